"""Deploy or roll back an EXTERNAL-controller service: a full-size task set made primary, others deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2, tasksets
from ci_ecs.errors import DeploymentFailed, PreconditionError
from ci_ecs.model import Command, DeploymentRecord, Status, TechniqueName
from ci_ecs.output import counted
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import (
    Context,
    Live,
    check_weighted_rules,
    inspect_service,
    nothing_to_roll_back,
)
from ci_ecs.strategies.revision import (
    find_revision,
    pin_image,
    provenance_of,
    register_new,
    render_revision,
    same_revision,
)
from ci_ecs.strategies.state import Moved

TECHNIQUE: TechniqueName = "taskset"


@dataclass
class _Job:
    """What the steps learn from each other; `moved` is replaced as they learn more."""

    command: Command
    moved: Moved
    live: Live = field(default_factory=Live)
    new: dict[str, Any] = field(default_factory=dict)
    old_primary: dict[str, Any] = field(default_factory=dict)
    task_set: dict[str, Any] = field(default_factory=dict)
    rolled_back_from: str = ""  # a rollback's: the version it replaces (or the first rollback's, converged)
    unchanged: bool = False  # a rollback that found the service already rolled back


def deploy_plan(ctx: Context) -> Plan:
    """Deploy the release: a full-size task set of it, made primary; the canary and old task sets go."""
    job = _Job("deploy", Moved(ctx.require_release().version))
    first = (
        Step(f"inspect service {ctx.settings.service}", lambda: _inspect(ctx, job), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        Step("register the task definition", lambda: _register(ctx, job)),
    )
    return _plan(ctx, job, first)


def rollback_plan(ctx: Context, to: str | None) -> Plan:
    """Back to the previous version (or `to`) recorded for the service, by the same task-set steps."""
    job = _Job("rollback", Moved(to or "the previous version"))
    first = (Step(f"inspect service {ctx.settings.service}", lambda: _choose(ctx, job, to), read_only=True),)
    return _plan(ctx, job, first)


def _plan(ctx: Context, job: _Job, first: tuple[Step, ...]) -> Plan:
    s = ctx.settings
    return Plan(
        title=f"{job.command} {job.moved.version} to {s.service} (cluster {s.cluster}) by task sets",
        steps=(
            *first,
            Step("create a full-size task set", lambda: _create(ctx, job), lambda: _delete_new(ctx, job)),
            Step("wait until it is healthy", lambda: _healthy(ctx, job)),
            Step("make it primary", lambda: _make_primary(ctx, job), lambda: _restore_primary(ctx, job)),
            Step("return all traffic to the primary target group", lambda: _weights_back(ctx, job)),
            Step("delete the other task sets", lambda: _delete_others(ctx, job)),
            Step(f"record the {job.command} in the service's tags", lambda: _record(ctx, job)),
        ),
        record=lambda status, reason: state.unchanged_if(
            job.unchanged, _deployment_record(ctx, job, status, reason)
        ),
    )


def _inspect(ctx: Context, job: _Job) -> str:
    summary = inspect_service(ctx, job.live, controller="EXTERNAL")
    job.old_primary = _primary(job.live.service)
    check_weighted_rules(ctx, tasksets.target_group(job.old_primary))
    recorded = state.Recorded.of(job.live.service)
    running = (job.live.version(ctx.settings.image), str(job.old_primary["taskDefinition"]))
    job.moved = job.moved.replacing(state.previous_release(recorded, job.moved.version, lambda: running))
    return summary


def _primary(service: dict[str, Any]) -> dict[str, Any]:
    found = tasksets.primary(service)
    if found is None:
        raise PreconditionError(f"service: {service['serviceName']} has no PRIMARY task set")
    return found


def _choose(ctx: Context, job: _Job, to: str | None) -> str:
    """The revision to return to: the recorded previous one, or the newest tagged `to`."""
    summary = inspect_service(ctx, job.live, controller="EXTERNAL")
    job.old_primary = _primary(job.live.service)
    check_weighted_rules(ctx, tasksets.target_group(job.old_primary))
    recorded = state.Recorded.of(job.live.service)
    current = (
        recorded.version or job.live.version(ctx.settings.image) or "",
        str(job.old_primary["taskDefinition"]),
    )
    if (to is None and recorded.rolled_back_from) or (to is not None and to == current[0]):
        # Converge: a second rollback (or one to the live version) keeps what the first one recorded.
        job.moved = Moved(
            current[0], current[1], recorded.previous_version or None, recorded.previous_task_definition
        )
        job.rolled_back_from, job.unchanged = recorded.rolled_back_from, True
        return f"{summary}; already on {current[0]}: nothing to roll back (use --to VERSION to go further)"
    if to is None or to == recorded.previous_version:
        if not recorded.previous_task_definition:
            raise nothing_to_roll_back(ctx.settings.service)
        job.moved = Moved(recorded.previous_version or "previous", recorded.previous_task_definition)
    else:
        family = ecs.short_arn(current[1]).rsplit(":", 1)[0]
        found = find_revision(ctx, family, to)
        if found is None:
            raise PreconditionError(f"rollback: no revision of {family} is tagged {state.VERSION}={to}")
        job.moved = Moved(to, found)
    job.moved = job.moved.replacing(current)
    job.rolled_back_from = current[0]
    return f"{summary}; rolling back from {current[0]} to {job.moved.version}"


def _render(ctx: Context, job: _Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: _Job) -> str:
    canary = state.canary_revision(job.live.service, job.moved.version)
    if canary:
        job.moved = job.moved.at(canary)
        return f"promoting the canary's {ecs.short_arn(canary)}"
    if same_revision(job.live.task_definition, job.new):
        job.moved = job.moved.at(job.live.arn)
        return f"the live revision {ecs.short_arn(job.live.arn)} already is this version"
    arn, done = register_new(ctx, job.new)
    job.moved = job.moved.at(arn)
    return done


def _create(ctx: Context, job: _Job) -> str:
    service, arn = job.live.service, job.moved.task_definition
    for existing in service.get("taskSets", []):
        same = ecs.short_arn(existing["taskDefinition"]) == ecs.short_arn(arn)
        if (
            existing.get("externalId") == state.task_set_id(job.moved.version)
            and same
            and existing.get("status") != "DRAINING"
        ):
            job.task_set = existing
            return f"task set {existing['id']} already runs {ecs.short_arn(arn)}"
    group = tasksets.target_group(job.old_primary)
    job.task_set = tasksets.create(
        ctx.aws, service, job.old_primary, arn, group, 100, state.task_set_id(job.moved.version)
    )
    return f"task set {job.task_set['id']} of {ecs.short_arn(arn)} on {elbv2.target_group_name(group)}"


def _delete_new(ctx: Context, job: _Job) -> str:
    if not job.task_set or job.task_set["id"] == job.old_primary.get("id"):
        return "nothing to delete"
    tasksets.delete(ctx.aws, job.live.service, job.task_set["taskSetArn"])
    return f"deleted task set {job.task_set['id']}"


def _healthy(ctx: Context, job: _Job) -> str:
    wait, console = ctx.settings.wait, ctx.console
    steady = checks.watch_task_set(ctx.aws, job.live.service, job.task_set["id"], wait, console)
    if not steady.ok:
        raise DeploymentFailed(steady.reason)
    # Old and new tasks share the primary target group until the switch: wait for all of them.
    expected = steady.seen.get("computedDesiredCount", 0)
    if job.task_set["id"] != job.old_primary["id"]:
        expected += job.old_primary.get("runningCount", 0)
    group = tasksets.target_group(job.old_primary)
    healthy = checks.watch_healthy_count(ctx.aws, group, expected, wait, console)
    if not healthy.ok:
        raise DeploymentFailed(healthy.reason)
    revision = ecs.short_arn(job.moved.task_definition)
    return f"{counted(steady.seen.get('runningCount', 0), 'task')} of {revision} healthy"


def _make_primary(ctx: Context, job: _Job) -> str:
    tasksets.make_primary(ctx.aws, job.live.service, job.task_set["taskSetArn"])
    return f"task set {job.task_set['id']} is primary"


def _restore_primary(ctx: Context, job: _Job) -> str:
    current = next((t for t in tasksets.task_sets(ctx.aws, job.live.service) if t["status"] == "PRIMARY"), {})
    if current.get("id") not in (job.task_set.get("id"), job.old_primary["id"]):
        # Someone else made another task set primary since: theirs stands.
        return f"left as it is: task set {current.get('id')}, which this job did not make, is primary"
    tasksets.make_primary(ctx.aws, job.live.service, job.old_primary["taskSetArn"])
    return f"task set {job.old_primary['id']} is primary again"


def _weights_back(ctx: Context, job: _Job) -> str:
    group, rules = ctx.settings.canary.target_group, ctx.settings.canary.listener_rules
    if not group or not rules:
        return "no weighted rules configured"
    for rule in rules:
        elbv2.forward(ctx.aws, rule, {tasksets.target_group(job.old_primary): 100, group: 0})
    return f"{counted(len(rules), 'rule')} at 100:0"


def _delete_others(ctx: Context, job: _Job) -> str:
    # Traffic is on the new primary: the old task sets now only drain and stop.
    others = [t for t in tasksets.task_sets(ctx.aws, job.live.service) if t["id"] != job.task_set["id"]]
    for task_set in others:
        if task_set.get("status") != "DRAINING":
            tasksets.delete(ctx.aws, job.live.service, task_set["taskSetArn"])
    return f"deleted {counted(len(others), 'task set')}"


def _record(ctx: Context, job: _Job) -> str:
    if job.command == "rollback":
        provenance, rolled_back_from = provenance_of(ctx, job.moved.task_definition), job.rolled_back_from
    else:
        provenance, rolled_back_from = state.Provenance.of_release(ctx.require_release()), ""
    # The canary's task set went with the others: its tags go with the release's.
    return state.write_release(
        ctx.aws,
        job.live.service,
        TECHNIQUE,
        job.moved,
        provenance,
        rolled_back_from=rolled_back_from or "",
        clear=state.CANARY,
    )


def _deployment_record(ctx: Context, job: _Job, status: Status, reason: str | None) -> DeploymentRecord:
    details = {"task_set": str(job.task_set.get("id", ""))}
    if job.command == "rollback":
        details["rolled_back_from"] = job.rolled_back_from
    return state.deployment_record(
        ctx.job(job.command, TECHNIQUE), job.moved, status, reason, ctx.aws.calls, details
    )
