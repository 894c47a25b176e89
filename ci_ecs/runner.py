"""Runs a plan step by step: logs each step, undoes completed steps on failure or cancellation."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from ci_ecs.errors import Cancelled, CiEcsError, DeploymentFailed, PreconditionError, RollbackFailed
from ci_ecs.forge import Reporter
from ci_ecs.model import DeploymentRecord, Hint, Phase, Status
from ci_ecs.output import Console
from ci_ecs.timeline import Timeline

if TYPE_CHECKING:
    from ci_ecs.notify import Notifier
    from ci_ecs.settings.notify import Event


@dataclass(frozen=True)
class Step:
    """One named step; `run` returns a short result line. Read-only steps also run under --dry-run."""

    name: str
    run: Callable[[], str | None]
    undo: Callable[[], str | None] | None = None
    read_only: bool = False


@dataclass(frozen=True)
class Plan:
    """What a command will do, in order."""

    title: str
    steps: tuple[Step, ...]
    record: Callable[[Status, str | None], DeploymentRecord] | None = None  # (status, reason) -> record


def run(
    plan: Plan,
    console: Console,
    *,
    dry_run: bool = False,
    before_change: Callable[[], None] | None = None,
    undo_on_cancel: bool = True,
    timeline: Timeline | None = None,
) -> None:
    """Run every step; on failure (or cancellation) after a change, undo the steps that changed something.

    The step under way counts too: it may have changed part of what it does, and every undo is idempotent.
    Raises the step's error when nothing was changed (an error that would be exit 1 becomes exit 3: AWS
    was not as required); DeploymentFailed when the plan failed and was undone; RollbackFailed when an
    undo failed too; Cancelled, after undoing unless `undo_on_cancel` is false.
    """
    done: list[Step] = []  # completed steps, then the one under way
    timeline = timeline if timeline is not None else Timeline()
    with console.section(plan.title + (" (dry run: nothing will be changed)" if dry_run else "")):
        try:
            for step in plan.steps:
                if dry_run and not step.read_only:
                    console.step(f"would {step.name}")
                    continue
                if not _changed(done) and not step.read_only and before_change is not None:
                    before_change()
                console.step(step.name)
                done.append(step)
                _run_step(step, done, console, timeline)
        except Cancelled as cancel:
            _cancelled(cancel, done, console, undo_on_cancel, timeline)
            raise


def _changed(steps: list[Step]) -> bool:
    return any(not step.read_only for step in steps)


def _run_step(step: Step, done: list[Step], console: Console, timeline: Timeline) -> None:
    """Run one step (the last of `done`) and log its result; on failure, undo what the steps changed."""
    started = time.monotonic()
    try:
        result = step.run()
    except Cancelled:
        timeline.add(step.name, started, "failed")
        raise
    except Exception as exc:
        timeline.add(step.name, started, "failed")
        if step.read_only and not _changed(done):
            if isinstance(exc, CiEcsError) and exc.exit_code == 1:
                raise PreconditionError(str(exc)) from exc
            raise
        # Something may have changed: whatever went wrong (even a bug), put things back first.
        console.line(f"    failed: {exc}")
        _undo(done, console, timeline)
        if isinstance(exc, DeploymentFailed) or not _changed(done[:-1]):
            raise  # the first change failed: its own error (and exit code) says it best
        raise DeploymentFailed(f"{step.name}: {exc}") from exc
    timeline.add(step.name, started, "done")
    if result:
        took = time.monotonic() - started
        console.line(f"    {result}" + (f" ({took:.1f}s)" if took >= 0.5 else ""))


def _cancelled(cancel: Cancelled, done: list[Step], console: Console, undo: bool, timeline: Timeline) -> None:
    """What a cancelled job does before it exits: undo what it changed, or say what it leaves."""
    console.line(f"    {cancel}")
    if not _changed(done):
        return
    if not undo:
        console.warn("on_cancel is leave: what this job changed stays as it is; re-run it or roll back")
        return
    try:
        _undo(done, console, timeline, heading=f"rolling back ({cancel})")
    except RollbackFailed as exc:
        # The CI kills the job soon: say what is left rather than exit 4 after the grace period.
        console.error(f"{exc} — re-run the job or `ci-ecs rollback` to finish")


def _undo(done: list[Step], console: Console, timeline: Timeline, heading: str = "rolling back") -> None:
    """Undo completed steps, newest first; any failure here means a person must look."""
    undoable = [s for s in reversed(done) if s.undo is not None]
    if not undoable:
        return
    with console.section(heading):
        for step in undoable:
            assert step.undo is not None
            console.step(f"undo: {step.name}")
            started = time.monotonic()
            try:
                result = step.undo()
            except CiEcsError as exc:
                timeline.add(f"undo: {step.name}", started, "undo failed")
                raise RollbackFailed(f"undoing '{step.name}' failed: {exc} — a person must look") from exc
            timeline.add(f"undo: {step.name}", started, "undone")
            if result:
                console.line(f"    {result}")


# (the job's start in monotonic time, its seconds) -> what the targets were seen doing, the slow settings
WhereTimeWent = Callable[[float, float], tuple[tuple[Phase, ...], tuple[Hint, ...]]]


@dataclass(frozen=True)
class Reporting:
    """Where a job reports its outcome besides the log: the forge, files for later jobs, notifications."""

    reporter: Reporter
    environment: str | None
    url: str | None
    env: Mapping[str, str]
    notifier: Notifier | None = None


def execute(
    plan: Plan,
    console: Console,
    *,
    dry_run: bool = False,
    reporting: Reporting | None = None,
    undo_on_cancel: bool = True,
    where_time_went: WhereTimeWent | None = None,
) -> DeploymentRecord | None:
    """Run a plan and report its outcome: log summary, JSON record, the forge, and outputs for later jobs."""
    started = time.monotonic()
    forge = reporting if reporting and reporting.environment and plan.record and not dry_run else None

    announced: list[bool] = []
    notifier = reporting.notifier if reporting is not None else None

    def announce() -> None:
        # Once the version is known and just before the first change: nothing to report for a job
        # that stops on bad input, or is cancelled before it changed anything.
        announced.append(True)
        if plan.record is None or (forge is None and (notifier is None or "start" not in notifier.events)):
            return
        record = plan.record("in_progress", None)
        if forge is not None and forge.environment:
            forge.reporter.started(record, forge.environment, forge.url)
        _notify(notifier, "start", record, time.monotonic() - started)

    timeline = Timeline(started)
    try:
        run(
            plan,
            console,
            dry_run=dry_run,
            before_change=announce,
            undo_on_cancel=undo_on_cancel,
            timeline=timeline,
        )
    except (DeploymentFailed, RollbackFailed, Cancelled) as exc:
        status: Status = "cancelled" if isinstance(exc, Cancelled) else "failed"
        seconds = time.monotonic() - started
        insight = where_time_went if status != "cancelled" else None  # no time left to read settings
        record = _report(plan, console, status, str(exc), seconds, timeline, insight)
        reported = announced or not isinstance(exc, Cancelled)
        if forge is not None and record is not None and forge.environment and reported:
            forge.reporter.finished(record, forge.environment, forge.url)
        if record is not None and reporting is not None and not dry_run:
            _summary(record, reporting, console, seconds)
            if reported:
                _notify(notifier, "failure", record, seconds)
        raise
    if dry_run:
        console.line("dry run: nothing was changed")
        return None
    seconds = time.monotonic() - started
    record = _report(plan, console, "success", None, seconds, timeline, where_time_went)
    if record is not None and reporting is not None:
        if forge is not None and forge.environment:
            forge.reporter.finished(record, forge.environment, forge.url)
        _outputs(record, reporting, console, seconds)
        _notify(notifier, "rollback" if record.command == "rollback" else "success", record, seconds)
    return record


def _notify(notifier: Notifier | None, event: Event, record: DeploymentRecord, seconds: float) -> None:
    if notifier is not None:
        notifier.send(event, record, seconds)


def _outputs(record: DeploymentRecord, reporting: Reporting, console: Console, seconds: float) -> None:
    """ci-ecs.env (in CI) and GitHub's outputs and step summary for later jobs; the facts in the log."""
    from ci_ecs import job_outputs

    if job_outputs.in_ci(reporting.env):
        job_outputs.write_outputs(
            record, {}, reporting.env, duration=seconds, url=reporting.url, redact=console.redact
        )
    _summary(record, reporting, console, seconds, written=True)


def _summary(
    record: DeploymentRecord, reporting: Reporting, console: Console, seconds: float, *, written: bool = False
) -> None:
    """The job's outcome in the log's closing section and, on GitHub, the step summary (unless `written`)."""
    from ci_ecs import job_outputs

    summary = reporting.env.get("GITHUB_STEP_SUMMARY")
    if summary and not written:
        text = job_outputs.summary_markdown(record, seconds, reporting.url)
        job_outputs.append_summary(summary, console.redact(text))
    with console.section("summary"):
        for line in job_outputs.summary_lines(record, seconds, reporting.url):
            console.line(line)


def _report(
    plan: Plan,
    console: Console,
    status: Status,
    reason: str | None,
    seconds: float,
    timeline: Timeline,
    where_time_went: WhereTimeWent | None = None,
) -> DeploymentRecord | None:
    if plan.record is None:
        return None
    observed, hints = where_time_went(timeline.origin, seconds) if where_time_went else ((), ())
    phases = sorted([*timeline.phases, *observed], key=lambda p: p.start)
    record = replace(plan.record(status, reason), timeline=tuple(phases), hints=hints)
    previous = f" (previous: {record.previous_version})" if record.previous_version else ""
    if record.details.get("rolled_back_from"):
        previous = f" (a rollback from {record.details['rolled_back_from']})"
    if record.unchanged:
        previous = f" (already on {record.version}: nothing was rolled back)"
    console.line(
        f"{record.command} {record.status}: {record.version} on {record.service} by {record.technique}"
        f"{previous} in {seconds:.0f}s"
    )
    calls = ", ".join(f"{name} {count}" for name, count in sorted(record.api_calls.items()))
    console.detail(f"AWS API calls: {sum(record.api_calls.values())} ({calls})")
    console.document({**asdict(record), "seconds": round(seconds, 1)})
    return record
