"""The canary analysis of a CodeDeploy blue/green deployment: the replacement's target group against the
original's — at Ready on the test listener's traffic (before production moves), and while a canary or
linear deployment config holds production traffic split."""

from __future__ import annotations

from ci_ecs.analysis import metrics as analysis
from ci_ecs.aws import codedeploy, elbv2
from ci_ecs.aws.clients import call
from ci_ecs.checks import format_duration
from ci_ecs.checks.codedeploy import Seen
from ci_ecs.errors import DeploymentFailed
from ci_ecs.strategies import judged
from ci_ecs.strategies.codedeploy.steps import Job
from ci_ecs.strategies.context import Context


def _group_names(ctx: Context, job: Job) -> list[str]:
    """The deployment group's two target group names (from the settings when it is to be created)."""
    pairs = (job.group.info or {}).get("loadBalancerInfo", {}).get("targetGroupPairInfoList", [])
    names = [str(g["name"]) for pair in pairs for g in pair.get("targetGroups", [])]
    return names or [elbv2.target_group_name(arn) for arn in ctx.settings.codedeploy.target_groups]


def _arns(ctx: Context, names: list[str]) -> dict[str, str]:
    """Target group ARNs by name."""
    if not names:
        return {}
    elb = ctx.aws.client("elbv2")
    reply = call("reading the deployment group's target groups", elb.describe_target_groups, Names=names)
    return {g["TargetGroupName"]: g["TargetGroupArn"] for g in reply["TargetGroups"]}


def check(ctx: Context, job: Job) -> str:
    """Before any change: the target groups and the alarms exist (the replacement's group is behind a load
    balancer only once the deployment routes the test listener to it)."""
    arns = list(_arns(ctx, _group_names(ctx, job)).values())
    _warn_short_hold(ctx)
    alarms = analysis.check_alarms(ctx.aws, ctx.settings.analysis.alarms)
    names = " and ".join(map(elbv2.target_group_name, arns))
    return "; ".join(
        part for part in (names and f"target groups {names}", alarms and f"alarms {alarms}") if part
    )


def _warn_short_hold(ctx: Context) -> None:
    """Say when the deployment config moves on before an analysis at its split can end."""
    name, settings = ctx.settings.codedeploy.config, ctx.settings.analysis
    routing = (codedeploy.get_deployment_config(ctx.aws, name) or {}).get("trafficRoutingConfig", {})
    minutes = routing.get("timeBasedCanary", {}).get("canaryInterval") or routing.get(
        "timeBasedLinear", {}
    ).get("linearInterval")
    needed = settings.count * settings.interval + settings.delay
    if minutes and minutes * 60 < needed:
        ctx.console.warn(
            f"codedeploy.config: {name} holds each share {minutes}m, the analysis takes "
            f"{format_duration(needed)} (count × interval + delay): CodeDeploy moves on before the verdict — "
            "choose a config that waits longer, or fewer intervals"
        )


def _subject(ctx: Context, seen: Seen) -> analysis.Subject:
    """The replacement (Green) task set's target group against the original (Blue) one's."""
    labels = {
        str(info.get("taskSetLabel")): str(info.get("targetGroup", {}).get("name", ""))
        for target in seen.targets
        for info in target.get("taskSetsInfo", [])
    }
    arns = _arns(ctx, [name for name in (labels.get("Green"), labels.get("Blue")) if name])
    green = [arns[labels["Green"]]] if labels.get("Green") in arns else []
    blue = [arns[labels["Blue"]]] if labels.get("Blue") in arns else []
    if not green:
        raise DeploymentFailed("the deployment names no replacement target group to analyse")
    return analysis.subject(ctx.aws, ctx.require_release().version, green, blue)


def judge(ctx: Context, seen: Seen, step: str) -> str:
    """Analyse the replacement now; DeploymentFailed (the job stops the deployment with rollback) unless it
    passes."""
    return judged.judge(ctx, _subject(ctx, seen), step)


def split(seen: Seen) -> float | None:
    """The replacement's share of production while a canary or linear config holds traffic split, else
    None."""
    share = seen.green_share
    if seen.status == "InProgress" and share is not None and 0 < share < 100 and not seen.shifted:
        return share
    return None
