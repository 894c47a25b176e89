"""`stop` of a review environment: its rule first (traffic), then its service, then its target group."""

from __future__ import annotations

from dataclasses import dataclass, field

from ci_ecs.aws import ecs, elbv2, listener_rules
from ci_ecs.errors import NothingToDo
from ci_ecs.model import DeploymentRecord, Status
from ci_ecs.review.deploy import TECHNIQUE, Job
from ci_ecs.review.found import Found, find
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context


@dataclass
class Stop:
    """What the steps of one stop learn: the environment as found, and what they removed."""

    job: Job
    found: Found = field(default_factory=Found)
    removed: list[str] = field(default_factory=list)


def plan(ctx: Context, job: Job) -> Plan:
    """Remove the review environment: every step finds what is left, so a re-run finishes a killed stop."""
    stop = Stop(job)
    names = job.names
    return Plan(
        title=f"stop review environment {names.slug} ({names.service}, cluster {ctx.settings.cluster})",
        steps=(
            Step(f"find review environment {names.slug}", lambda: _find(ctx, stop), read_only=True),
            Step("delete its listener rule", lambda: _rules(ctx, stop)),
            Step(f"scale service {names.service} to 0 and delete it", lambda: _service(ctx, stop)),
            Step(f"delete target group {names.target_group}", lambda: _group(ctx, stop)),
        ),
        record=lambda status, reason: record(ctx, stop, status, reason),
    )


def _find(ctx: Context, stop: Stop) -> str:
    names = stop.job.names
    stop.found = find(ctx, names)
    if not stop.found.exists:
        raise NothingToDo(
            f"review environment {names.slug} of {ctx.settings.service} is already stopped: no rule, service "
            f"{names.service} or target group {names.target_group} is left — nothing to do"
        )
    if stop.found.service:
        stop.job.previous_version = ecs.tags_of(stop.found.service).get(state.VERSION)
    parts = [
        what
        for what, there in (
            ("its rule", stop.found.rules),
            (f"service {names.service}", stop.found.service),
            (f"target group {names.target_group}", stop.found.group),
        )
        if there
    ]
    return "found " + ", ".join(parts)


def _rules(ctx: Context, stop: Stop) -> str:
    if not stop.found.rules:
        return "none left"
    for rule in stop.found.rules:
        listener_rules.delete_rule(ctx.aws, str(rule["RuleArn"]))
        stop.removed.append(f"rule {rule['Priority']}")
    return f"deleted rule {', '.join(str(r['Priority']) for r in stop.found.rules)}"


def _service(ctx: Context, stop: Stop) -> str:
    service = stop.found.service
    if service is None:
        return "none left"
    if service.get("desiredCount", 0):
        ecs.set_desired_count(ctx.aws, service, 0)
    ecs.delete_service(ctx.aws, service)
    stop.removed.append(f"service {service['serviceName']}")
    return f"deleted {service['serviceName']}"


def _group(ctx: Context, stop: Stop) -> str:
    group = stop.found.group
    if group is None:
        return "none left"
    elbv2.delete_target_group(ctx.aws, str(group["TargetGroupArn"]))
    stop.removed.append(f"target group {group['TargetGroupName']}")
    return f"deleted {group['TargetGroupName']}"


def record(ctx: Context, stop: Stop, status: Status, reason: str | None) -> DeploymentRecord:
    """The DeploymentRecord of a stop: what it removed, and the version the environment ran."""
    job = stop.job
    moved = state.Moved(job.previous_version or "")
    details = {"slug": job.names.slug, "removed": ", ".join(stop.removed)}
    who = ctx.job("stop", TECHNIQUE, job.names.service)
    return state.deployment_record(who, moved, status, reason, ctx.aws.calls, details)
