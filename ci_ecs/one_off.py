"""`ci-ecs run`: a one-off task of the release's revision (a migration, say), followed to its exit code."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import render
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.checks.container_logs import show_container_logs
from ci_ecs.checks.one_off import watch_stopped
from ci_ecs.errors import Cancelled, ConfigError, RunFailed
from ci_ecs.strategies.context import Context, Live, inspect_service
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision, same_revision

STARTED_BY = "ci-ecs-run"  # and a suffix of this job's own: a cancelled job finds the task it started
LOG_LINES = 200  # the command's output worth seeing: a migration's whole log, mostly
_LAUNCH = ("networkConfiguration", "platformVersion", "launchType", "capacityProviderStrategy")


@dataclass
class Outcome:
    """What a run did, for the console and `--output json`."""

    command: tuple[str, ...]
    status: str = "not started"  # started, succeeded, failed, timed out, cancelled
    task_definition: str = ""
    container: str = ""
    task: str = ""
    exit_code: int | None = None
    stopped_reason: str | None = None
    started_by: str = field(default_factory=lambda: f"{STARTED_BY}-{secrets.token_hex(6)}")


def check_command(command: Sequence[str]) -> tuple[str, ...]:
    """The command to run; ConfigError when there is none."""
    words = tuple(command)
    if not words or not "".join(words).strip():
        raise ConfigError(
            "run: no command — give it after --, e.g. `ci-ecs run -- ./manage.py migrate --noinput`"
        )
    return words


def run(ctx: Context, command: Sequence[str], *, wait: bool = True) -> Outcome:
    """Run `command` in a one-off task of the release's revision, like the service's tasks; with `wait`,
    until it stops: RunFailed unless its container exits 0 (the task is stopped on timeout or cancel)."""
    outcome, clock = Outcome(check_command(command)), time.monotonic()
    if ctx.settings.strategy == "switch":
        ctx = _on_live_version(ctx)
    s, console = ctx.settings, ctx.console
    live = Live()
    console.step(f"inspect service {s.service}")
    console.line(f"    {inspect_service(ctx, live, controller=None)}")
    console.step("check the image")
    console.line(f"    {pin_image(ctx)}")
    new = render_revision(ctx, live)
    outcome.container = command_container(new, ctx)
    shown = " ".join(outcome.command)
    if ctx.dry_run:
        same = " (the live revision)" if same_revision(live.task_definition, new) else ""
        console.step(f"would run `{shown}` in container {outcome.container} of {new['family']}{same}")
        console.line("dry run: nothing was changed")
        return outcome
    console.step("register the revision")
    outcome.task_definition, done = register_revision(ctx, live, new)
    console.line(f"    {done}")
    try:
        _start(ctx, live.service, outcome)
        if wait:
            _follow(ctx, outcome, new)
    except Cancelled as cancelled:
        outcome.status = "cancelled"
        _stop(ctx, outcome, f"ci-ecs run {cancelled}")
        _document(ctx, outcome, clock)
        raise
    _document(ctx, outcome, clock)
    if outcome.status == "started":
        console.line(f"run started: {outcome.task} (not waiting for it)")
    elif outcome.status == "succeeded":
        console.line(f"run succeeded: `{shown}` exited 0 in {time.monotonic() - clock:.0f}s")
    else:
        raise RunFailed(_failure(outcome, shown))
    return outcome


def command_container(task_definition: Mapping[str, Any], ctx: Context) -> str:
    """The container the command runs in: the configured one, else the one that runs the release's image."""
    chosen = list(ctx.settings.container) or render.release_containers(task_definition, ctx.require_release())
    if len(chosen) != 1:
        names = ", ".join(chosen) or "none"
        raise ConfigError(
            f"container: the command runs in one container, and {names} would do — "
            "pass --container NAME (or set `container:`) to choose it"
        )
    return chosen[0]


def _on_live_version(ctx: Context) -> Context:
    """switch: the context of the live version's service (`service:` is the versions' base name)."""
    from ci_ecs.strategies.switch import family

    ctx.console.step(f"find the live version of {ctx.settings.service}")
    found = family.read(ctx).live()
    assert found is not None  # read fails without one
    ctx.console.line(f"    {found['serviceName']} is live")
    return dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, service=found["serviceName"]))


def launch_of(service: Mapping[str, Any]) -> dict[str, Any]:
    """How the service's tasks launch (launch type or capacity providers, platform version, network): as its
    PRIMARY task set's where it has one (EXTERNAL, CODE_DEPLOY: a task set launches its own), else its own."""
    sets: list[dict[str, Any]] = service.get("taskSets", [])
    primary = next((t for t in sets if t.get("status") == "PRIMARY"), {})
    found = {key: primary.get(key) or service.get(key) for key in _LAUNCH}
    return {"clusterArn": service["clusterArn"], **{k: v for k, v in found.items() if v}}


def _start(ctx: Context, service: Mapping[str, Any], outcome: Outcome) -> None:
    ctx.console.step(f"run `{' '.join(outcome.command)}` in container {outcome.container}")
    overrides = {"containerOverrides": [{"name": outcome.container, "command": list(outcome.command)}]}
    started = ecs_tasks.run_tasks(
        ctx.aws,
        launch_of(service),
        outcome.task_definition,
        1,
        started_by=outcome.started_by,
        group=f"{STARTED_BY}:{ctx.settings.service}",
        overrides=overrides,
    )
    outcome.task, outcome.status = str(started[0]["taskArn"]), "started"
    ctx.console.line(f"    started {outcome.task}")


def _follow(ctx: Context, outcome: Outcome, definition: Mapping[str, Any]) -> None:
    """Wait until the task stops and show its log (where `definition` says it goes); on timeout, stop it."""
    ctx.console.step(f"wait for task {_id(outcome.task)} to stop")
    found = watch_stopped(ctx.aws, ctx.settings.cluster, outcome.task, ctx.settings.wait, ctx.console)
    task = found.seen.get("task", {})
    if not found.ok:
        outcome.status = "timed out" if found.reason.startswith("timed out") else "failed"
        outcome.stopped_reason = found.reason
        if outcome.status == "timed out":
            _stop(ctx, outcome, f"ci-ecs run {found.reason}")
    else:
        exits = {c.get("name"): c.get("exitCode") for c in task.get("containers", [])}
        outcome.exit_code = exits.get(outcome.container)
        outcome.stopped_reason = str(task.get("stoppedReason") or "") or None
        outcome.status = "succeeded" if outcome.exit_code == 0 else "failed"
    if task:
        show_container_logs(ctx.aws, ctx.console, task, definition, outcome.container, LOG_LINES)


def _stop(ctx: Context, outcome: Outcome, reason: str) -> None:
    """Stop the run's task (found by its startedBy when RunTask's reply never came)."""
    arns = [outcome.task] if outcome.task else []
    if not arns and outcome.status == "cancelled":
        arns = ecs_tasks.task_arns_started_by(ctx.aws, ctx.settings.cluster, outcome.started_by, "RUNNING")
    for arn in arns:
        ecs_tasks.stop_task(ctx.aws, ctx.settings.cluster, arn, reason[:255])
        ctx.console.line(f"    stopped task {_id(arn)}: {reason}")


def _failure(outcome: Outcome, shown: str) -> str:
    where = f"container {outcome.container} of task {_id(outcome.task)}"
    if outcome.status == "timed out":
        return f"run failed: `{shown}` {outcome.stopped_reason}: stopped {where}"
    reason = f" ({outcome.stopped_reason})" if outcome.stopped_reason else ""
    if outcome.exit_code is None:
        return f"run failed: {where} stopped without an exit code{reason}"
    return f"run failed: `{shown}` exited with exit code {outcome.exit_code} in {where}{reason}"


def _document(ctx: Context, outcome: Outcome, clock: float) -> None:
    release = ctx.require_release()
    ctx.console.document(
        {
            "command": "run",
            "status": outcome.status,
            "run": list(outcome.command),
            "exit_code": outcome.exit_code,
            "stopped_reason": outcome.stopped_reason,
            "task": outcome.task,
            "container": outcome.container,
            "task_definition": outcome.task_definition,
            "version": release.version,
            "image": release.reference,
            "service": ctx.settings.service,
            "cluster": ctx.settings.cluster,
            "seconds": round(time.monotonic() - clock, 1),
            "api_calls": dict(ctx.aws.calls),
        }
    )


def _id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]
