"""The canary analysis of an ECS canary or linear deployment: the new revision's target group against the
old one's, at each pause of ours once production traffic reaches the new revision."""

from __future__ import annotations

from ci_ecs.analysis import metrics as analysis
from ci_ecs.aws import elbv2
from ci_ecs.checks.native import Seen
from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.strategies import judged
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native.steps import Job


def _pairs(job: Job) -> list[tuple[str, str, str]]:
    """(production rule, target group, alternate target group) of each load balancer of the service."""
    found = []
    for lb in job.live.service.get("loadBalancers", []):
        advanced = lb.get("advancedConfiguration") or {}
        rule, alternate = advanced.get("productionListenerRule"), advanced.get("alternateTargetGroupArn")
        if rule and alternate and lb.get("targetGroupArn"):
            found.append((str(rule), str(lb["targetGroupArn"]), str(alternate)))
    return found


def check(ctx: Context, job: Job) -> str:
    """Before any change: the deployment shifts production traffic step by step, its target groups' metrics
    can be read, the alarms exist."""
    strategy = configs.strategy_of(job.configuration)
    if strategy not in ("CANARY", "LINEAR"):
        raise ConfigError(
            f"analysis: a {configs.TYPES.get(strategy, strategy)} deployment gives the new revision no "
            "production traffic before it switches — use native.type canary or linear to analyse a canary"
        )
    pairs = _pairs(job)
    settings = ctx.settings.analysis
    if settings.load_balancer_checks and not pairs:
        raise PreconditionError(
            f"analysis: service {ctx.settings.service} has no production listener rule and alternate target "
            "group — error_rate and p99_latency measure them; judge it by `queries` or `alarms`"
        )
    groups = [group for _, blue, green in pairs for group in (blue, green)]
    version = ctx.require_release().version
    analysis.subject(ctx.aws, version, groups)  # every group is behind a load balancer
    alarms = analysis.check_alarms(ctx.aws, settings.alarms)
    names = " and ".join(elbv2.target_group_name(group) for group in groups)
    return "; ".join(
        part for part in (names and f"target groups {names}", alarms and f"alarms {alarms}") if part
    )


def _subject(ctx: Context, job: Job, seen: Seen) -> analysis.Subject:
    """The new revision's target groups (those whose production weight is the deployment's) and the old."""
    canary, baseline = [], []
    for rule, blue, green in _pairs(job):
        weights = elbv2.forward_weights(ctx.aws, rule)
        # With both at 50 % either could be the new one; ECS starts a service's first shift on the alternate.
        new = (
            blue if weights.get(blue, 0) == round(seen.production_weight) != weights.get(green, 0) else green
        )
        canary.append(new)
        baseline.append(green if new == blue else blue)
    return analysis.subject(ctx.aws, ctx.require_release().version, canary, baseline)


def judge(ctx: Context, job: Job, seen: Seen) -> str:
    """Analyse the new revision at this pause; DeploymentFailed (the job rolls the deployment back) unless
    it passes."""
    return judged.judge(ctx, _subject(ctx, job, seen), f"{seen.production_weight:g}% of production traffic")


def wanted(ctx: Context, seen: Seen, already: str) -> bool:
    """Whether to analyse at this pause: an analysis is configured, production traffic reaches the new
    revision, and it is not the pause this job found (a canary-deploy judged it, a person chose to go on)."""
    paused = [h for h in seen.awaiting if h.get("targetType") == "PAUSE"]
    hook = str(paused[0].get("hookId", "")) if paused else ""
    return ctx.settings.analysis.enabled and seen.production_weight > 0 and (not already or hook != already)
