"""Canaries beside a service by `canary.mode` (task, service, taskset): start one, end one, show one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ci_ecs.aws import ecs
from ci_ecs.checks import Endpoint
from ci_ecs.errors import ConfigError
from ci_ecs.model import DeploymentRecord, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.canary import service, task, taskset
from ci_ecs.strategies.canary.base import technique_of
from ci_ecs.strategies.context import Context, EndCanary, Live, check_rollback_scope, inspect_service
from ci_ecs.strategies.state import Canary, Moved


class Mode(Protocol):
    """What a canary mode offers: its canary-deploy plan, its removal, its targets and traffic share."""

    def plan(self, ctx: Context, end_other: EndCanary) -> Plan: ...

    def remove(self, ctx: Context, service: dict[str, Any]) -> str: ...

    def targets(self, ctx: Context, service: dict[str, Any]) -> dict[str, list[Endpoint]]: ...

    def share(
        self, ctx: Context, service: dict[str, Any], targets: dict[str, list[Endpoint]]
    ) -> float | None: ...


MODES: Mapping[str, Mode] = {"task": task, "service": service, "taskset": taskset}


def _mode(name: str) -> Mode:
    if name not in MODES:
        raise ConfigError(f"canary.mode: {name!r} is not one of: {', '.join(MODES)}")
    return MODES[name]


def plan(ctx: Context) -> Plan:
    """The plan of `canary-deploy` for the configured mode."""
    name = ctx.settings.canary.mode
    if name is None:
        raise ConfigError("canary.mode: not set — set `canary: {mode: task|service|taskset}` in ci-ecs.yml")
    return _mode(name).plan(ctx, end_recorded)


def end_recorded(ctx: Context, service: dict[str, Any]) -> str:
    """Remove whatever canary the service (as read) records, by its own mode."""
    found = state.canary_of(service)
    return "no canary" if found is None else _mode(found.mode).remove(ctx, service)


def rollback_plan(ctx: Context, to: str | None, then: Callable[[Context, str | None], Plan]) -> Plan:
    """`rollback` of a service that may carry a canary: end it; with `to`, or with none, then `then`.

    The service is read here to choose: what a rollback does depends on whether a canary is up.
    """
    service = ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)
    check_rollback_scope(ctx, ecs.tags_of(service))
    found = state.canary_of(service)
    if found is None:
        return then(ctx, to)
    ending = _end_plan(ctx, found)
    if to is None:
        return ending
    rest = then(ctx, to)
    return Plan(f"{ending.title}, then {rest.title}", ending.steps + rest.steps, rest.record)


def _end_plan(ctx: Context, found: Canary) -> Plan:
    """`rollback` during a canary: remove it; the stable version was never touched."""
    s, live = ctx.settings, Live()

    def record(status: Status, reason: str | None) -> DeploymentRecord:
        moved = Moved(
            live.version(s.image) or ecs.short_arn(live.arn), live.arn, found.version, found.task_definition
        )
        job = ctx.job("rollback", technique_of(found.mode))
        details = {"rolled_back_from": found.version}
        return state.deployment_record(job, moved, status, reason, ctx.aws.calls, details)

    return Plan(
        title=f"end the {found.mode} canary {found.version} of {s.service} (cluster {s.cluster})",
        steps=(
            Step(
                f"inspect service {s.service}",
                lambda: inspect_service(ctx, live, controller=None),
                read_only=True,
            ),
            Step("remove the canary", lambda: end_recorded(ctx, live.service)),
        ),
        record=record,
    )


def status(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The canary on a service: mode, version, revision, its targets and their share of the traffic."""
    found = state.canary_of(service)
    if found is None:
        return None
    mode = _mode(found.mode)
    groups = mode.targets(ctx, service)
    share = mode.share(ctx, service, groups)
    return {
        "mode": found.mode,
        "version": found.version,
        "task_definition": found.task_definition,
        "targets": sorted(f"{ip}:{port}" for ip, port in {e for targets in groups.values() for e in targets}),
        "share": None if share is None else round(share, 4),
    }
