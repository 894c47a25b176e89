"""`canary.mode: task` — standalone tasks of the new revision, registered in the service's target groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks
from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws import tasks as ecs_tasks
from ci_ecs.aws.launches import Launch
from ci_ecs.errors import DeploymentFailed
from ci_ecs.output import counted, plural
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.canary import base
from ci_ecs.strategies.context import Context, EndCanary, inspect_service

STARTED_BY = "ci-ecs-canary"


@dataclass
class _State(base.State):
    """What the steps learn from each other."""

    running: list[dict[str, Any]] = field(default_factory=list)  # canary tasks of this version
    unchanged: bool = False  # this version already runs as the canary


def group(service_name: str) -> str:
    """The task group that marks a service's canary tasks (found again by a later job)."""
    return f"ci-ecs-canary:{service_name}"


def canary_tasks(ctx: Context, desired: str = "RUNNING") -> list[dict[str, Any]]:
    """The service's canary tasks with that desired status."""
    tasks = ecs_tasks.tasks_started_by(ctx.aws, ctx.settings.cluster, STARTED_BY, desired)
    return [t for t in tasks if t.get("group") == group(ctx.settings.service)]


def endpoints(service: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, list[checks.Endpoint]]:
    """For each target group of the service, the canary targets: task IP and the container port."""
    found: dict[str, list[checks.Endpoint]] = {}
    for balancer in service.get("loadBalancers", []):
        if "targetGroupArn" in balancer:
            ips = [ip for ip in map(ecs_tasks.private_ip, tasks) if ip]
            found.setdefault(balancer["targetGroupArn"], []).extend(
                (ip, balancer["containerPort"]) for ip in ips
            )
    return found


def targets(ctx: Context, service: dict[str, Any]) -> dict[str, list[checks.Endpoint]]:
    """The canary's targets now (for status)."""
    return endpoints(service, canary_tasks(ctx))


share = base.even_share


def plan(ctx: Context, end_other: EndCanary) -> Plan:
    """Run `canary.count` tasks of the new revision beside the service, with their share of traffic.

    `end_other` removes a canary of an older version (whatever its mode) first.
    """
    s, release = ctx.settings, ctx.require_release()
    job, tasks = _State(), plural(s.canary.count, "task")
    return Plan(
        title=f"canary {release.version} beside {s.service} (cluster {s.cluster}) as standalone {tasks}",
        steps=(
            *base.first_steps(
                ctx,
                job,
                inspect=Step(f"inspect service {s.service}", lambda: _inspect(ctx, job), read_only=True),
                replace=Step("replace an older canary", lambda: _replace_older(ctx, job, end_other)),
                mode="task",
                remove=remove,
                measured=lambda: base.shared_groups(job),
            ),
            Step(f"run {counted(s.canary.count, 'canary task')}", lambda: _run(ctx, job)),
            Step("wait for the tasks' addresses", lambda: _addresses(ctx, job)),
            Step("register the canary targets", lambda: _register_targets(ctx, job)),
            Step("wait until the canary is healthy", lambda: _healthy(ctx, job)),
            *base.analysis_steps(ctx, job, f"{s.canary.count} canary task(s) beside the service"),
        ),
        record=base.deploy_record(ctx, "task", job),
    )


def _inspect(ctx: Context, job: _State) -> str:
    summary = inspect_service(ctx, job.live, controller="ECS")
    found = state.canary_of(job.live.service)
    if found is not None and found.version == ctx.require_release().version:
        job.running = canary_tasks(ctx)
        job.unchanged = len(job.running) >= ctx.settings.canary.count
        job.arn = found.task_definition
    if found is None:
        return summary
    return f"{summary}; canary {found.version} ({found.mode}) in place" + (
        ", unchanged" if job.unchanged else ""
    )


def _replace_older(ctx: Context, job: _State, end_other: EndCanary) -> str:
    found = state.canary_of(job.live.service)
    if found is None or found.version == ctx.require_release().version:
        return "none to replace"
    return f"removed canary {found.version}: {end_other(ctx, job.live.service)}"


def _run(ctx: Context, job: _State) -> str:
    missing = ctx.settings.canary.count - len(job.running)
    if missing <= 0:
        return f"{counted(len(job.running), 'canary task')} already running"
    started = ecs_tasks.run_tasks(
        ctx.aws,
        job.live.service,
        job.arn,
        missing,
        started_by=STARTED_BY,
        group=group(ctx.settings.service),
    )
    job.running += started
    return "started " + ", ".join(ecs.short_arn(t["taskArn"]) for t in started)


def _addresses(ctx: Context, job: _State) -> str:
    arns = [t["taskArn"] for t in job.running]
    found = checks.watch_task_addresses(ctx.aws, ctx.settings.cluster, arns, ctx.settings.wait, ctx.console)
    job.running = list(found.seen.get("tasks", job.running))
    if not found.ok:
        raise DeploymentFailed(found.reason)
    return found.reason


def _register_targets(ctx: Context, job: _State) -> str:
    groups = endpoints(job.live.service, job.running)
    for arn, targets in groups.items():
        elbv2.register_targets(ctx.aws, arn, targets)
    shown = "; ".join(
        f"{elbv2.target_group_name(a)}: {', '.join(f'{i}:{p}' for i, p in t)}" for a, t in groups.items()
    )
    return shown or "the service has no target group: the canary gets no traffic"


def _healthy(ctx: Context, job: _State) -> str:
    groups = endpoints(job.live.service, job.running)
    started = Launch(ctx.settings.cluster, tasks=tuple(t["taskArn"] for t in job.running))
    result = checks.watch_targets(ctx.aws, groups, ctx.settings.wait, ctx.console, behind=started)
    if not result.ok:
        raise DeploymentFailed(f"the canary did not get healthy: {result.reason}")
    share = checks.traffic_share(ctx.aws, sorted(groups), {e for targets in groups.values() for e in targets})
    shown = "no healthy targets" if share is None else f"{share:.0%} of the traffic"
    return f"canary {ctx.require_release().version} is healthy and takes {shown}"


def remove(ctx: Context, service: dict[str, Any]) -> str:
    """Deregister the canary's targets and wait for them to drain, then stop its tasks and forget it."""
    running, stopped = canary_tasks(ctx, "RUNNING"), canary_tasks(ctx, "STOPPED")
    wanted = endpoints(service, running + stopped)
    present = {
        arn: [e for e in targets if e in {(t.id, t.port or 0) for t in elbv2.target_health(ctx.aws, arn)}]
        for arn, targets in wanted.items()
    }
    present = {arn: targets for arn, targets in present.items() if targets}
    for arn, targets in present.items():
        elbv2.deregister_targets(ctx.aws, arn, targets)
    if present:
        # Traffic first: the tasks stop only once the load balancer has let go of them.
        delay = max(elbv2.deregistration_delay(ctx.aws, arn) for arn in present)
        drained = checks.watch_targets(
            ctx.aws,
            present,
            ctx.settings.wait,
            ctx.console,
            gone=True,
            timeout=min(delay + 30, ctx.settings.wait.timeout),
        )
        if not drained.ok:
            ctx.console.warn(f"canary targets still draining ({drained.reason}); stopping the tasks anyway")
    for task in running:
        ecs_tasks.stop_task(ctx.aws, ctx.settings.cluster, task["taskArn"], "canary removed by ci-ecs")
    state.forget(ctx.aws, service, state.CANARY)
    count = sum(len(t) for t in present.values())
    return f"{counted(count, 'target')} deregistered, {counted(len(running), 'task')} stopped"
