"""`ci-ecs status`: what is live on a service, gathered into one plain dict, then printed."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws.clients import Aws
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.strategies import canary, codedeploy, native, state
from ci_ecs.strategies.context import Context, Live
from ci_ecs.strategies.switch import family as switch_family


def gather(aws: Aws, settings: Settings, console: Console) -> dict[str, Any]:
    """The service's live version, deployments, target health and ci-ecs tags."""
    context = Context(settings, None, aws, console, {})
    switch, service = _switch(context) if settings.strategy == "switch" else (None, None)
    # switch: `service` is the base name; the live version's service came with the family.
    service = service or ecs.describe_service(aws, settings.cluster, settings.service)
    deployment = native.status(context, service) if settings.strategy == "native" else None
    serving = (deployment or {}).get("serving") or service["taskDefinition"]
    task_definition, td_tags = ecs.describe_task_definition(aws, serving)
    tags = ecs.tags_of(service)
    live = Live(service, task_definition, td_tags)
    groups = sorted(
        {lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if "targetGroupArn" in lb}
    )
    return {
        "service": settings.service,
        "cluster": settings.cluster,
        "region": aws.client("ecs").meta.region_name,
        "version": live.version(settings.image),
        "task_definition": task_definition["taskDefinitionArn"],
        "images": {c["name"]: c.get("image") for c in task_definition.get("containerDefinitions", [])},
        "running": service.get("runningCount", 0),
        "desired": service.get("desiredCount", 0),
        "deployments": [
            {
                "id": d.get("id"),
                "status": d.get("status"),
                "task_definition": d.get("taskDefinition"),
                "rollout_state": d.get("rolloutState"),
                "running": d.get("runningCount", 0),
                "pending": d.get("pendingCount", 0),
                "desired": d.get("desiredCount", 0),
                "failed": d.get("failedTasks", 0),
            }
            for d in service.get("deployments", [])
        ],
        "task_sets": [
            {
                "id": t.get("id"),
                "status": t.get("status"),
                "task_definition": t.get("taskDefinition"),
                "scale": t.get("scale", {}).get("value"),
                "running": t.get("runningCount", 0),
                "desired": t.get("computedDesiredCount", 0),
                "stability": t.get("stabilityStatus"),
            }
            for t in service.get("taskSets", [])
        ],
        "target_groups": {
            elbv2.target_group_name(arn): [
                {"id": t.id, "port": t.port, "state": t.state, "reason": t.reason}
                for t in elbv2.target_health(aws, arn)
            ]
            for arn in groups
        },
        "canary": canary.status(context, service),
        "switch": switch,
        "codedeploy": _codedeploy(context, service),
        "native": deployment,
        "tags": {k: v for k, v in sorted(tags.items()) if k.startswith(state.PREFIX)},
        "events": [e.get("message") for e in service.get("events", [])[:5]],
    }


def _codedeploy(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The CodeDeploy deployment under way on a CODE_DEPLOY service, if any."""
    if service.get("deploymentController", {}).get("type") != "CODE_DEPLOY":
        return None
    return codedeploy.status(ctx, service)


def _switch(context: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """The switch state for `status`, and the live version's service (read with the family)."""
    family = switch_family.read(context)
    live = family.live()
    assert live is not None  # read fails without one
    return switch_family.status(family), live


def show(aws: Aws, settings: Settings, console: Console) -> dict[str, Any]:
    """Gather the status and print it as text, or as one JSON document with --output json."""
    status = gather(aws, settings, console)
    if console.fmt == "json":
        console.json(status)
        return status
    for line in text_lines(status):
        console.line(line)
    return status


def _running(status: dict[str, Any]) -> str:
    """Running/desired; with task sets, the primary set's and the others' (a canary, a replacement) apart."""
    primary = [t for t in status["task_sets"] if t["status"] == "PRIMARY"]
    if not primary:
        return f"{status['running']}/{status['desired']} running"
    others = [t for t in status["task_sets"] if t["status"] != "PRIMARY"]
    said = f"{sum(t['running'] for t in primary)}/{status['desired']} running"
    if others:
        sets = "another task set" if len(others) == 1 else f"{len(others)} other task sets"
        said += f" + {sum(t['running'] for t in others)} in {sets}"
    return said


def text_lines(status: dict[str, Any]) -> list[str]:
    """The status as aligned text lines."""
    tags = status["tags"]
    lines = [
        f"service {status['service']} (cluster {status['cluster']}, {status['region']})",
        f"  live version   {status['version'] or 'unknown'} on {ecs.short_arn(status['task_definition'])}, "
        f"{_running(status)}",
    ]
    if tags.get(state.PREVIOUS_VERSION):
        previous_td = ecs.short_arn(tags.get(state.PREVIOUS_TASK_DEFINITION, "?"))
        lines.append(f"  previous       {tags[state.PREVIOUS_VERSION]} on {previous_td}")
    if status["canary"]:
        c = status["canary"]
        share = "unknown share" if c["share"] is None else f"{c['share']:.0%} of the traffic"
        lines.append(
            f"  canary         {c['version']} ({c['mode']}) on {ecs.short_arn(c['task_definition'])}, {share}"
        )
        lines += [f"                 target {t}" for t in c["targets"]]
    if status.get("codedeploy"):
        d = status["codedeploy"]
        share = "" if d["green_share"] is None else f", {d['green_share']:g}% of production traffic"
        lines.append(f"  codedeploy     {d['deployment']} of {d['version'] or '?'} is {d['status']}{share}")
    if status.get("native"):
        lines.append(native.status_line(status["native"]))
    if status.get("switch"):
        lines += switch_family.status_lines(status["switch"])
    if tags.get(state.ROLLED_BACK_FROM):
        lines.append(f"  rolled back    from {tags[state.ROLLED_BACK_FROM]}")
    if tags.get(state.FAILED_VERSION):
        lines.append(f"  last failure   {tags[state.FAILED_VERSION]} at {tags.get(state.FAILED_AT, '?')}")
    for name, image in status["images"].items():
        lines.append(f"  container      {name}: {image}")
    if status["deployments"]:
        lines.append("  deployments")
    for d in status["deployments"]:
        failed = f", {d['failed']} failed" if d["failed"] else ""
        revision = ecs.short_arn(d["task_definition"] or "?")
        lines.append(
            f"    {d['status']:<8} {revision:<12} {d['rollout_state'] or '-':<12}"
            f" {d['running']}/{d['desired']} running, {d['pending']} pending{failed}"
        )
    if status["task_sets"]:
        lines.append("  task sets")
    for t in status["task_sets"]:
        revision = ecs.short_arn(t["task_definition"] or "?")
        lines.append(
            f"    {t['status']:<8} {revision:<12} {t['stability'] or '-':<14}"
            f" {t['running']}/{t['desired']} running at {t['scale']}%"
        )
    for group, targets in status["target_groups"].items():
        healthy = sum(t["state"] == "healthy" for t in targets)
        lines.append(f"  targets {group}: {healthy}/{len(targets)} healthy")
        lines += [f"    {t['id']}:{t['port']} {t['state']}" for t in targets]
    if tags:
        lines.append("  ci-ecs tags")
        lines += [f"    {k} = {v}" for k, v in tags.items()]
    if status["events"]:
        lines.append("  recent events")
        lines += [f"    {e}" for e in status["events"]]
    return lines
