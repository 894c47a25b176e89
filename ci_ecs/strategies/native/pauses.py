"""Following a native deployment to where a job stops: ci-ecs's pause (canary-deploy) or the end (deploy),
answering our pauses on the way."""

from __future__ import annotations

from ci_ecs.aws import service_deployments
from ci_ecs.checks.native import Seen, short
from ci_ecs.errors import DeploymentFailed
from ci_ecs.output import counted
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.native import analysis
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native.steps import Job, follow, our_pause, weights, why_failed

# Where `deploy --wait-until` stops following: all production traffic moved (every shift and its pauses
# behind), the bake over, or SUCCESSFUL.
PAST_SHIFTS = ("BAKE_TIME", "CLEAN_UP")


def wait_paused(ctx: Context, job: Job) -> str:
    """Follow the canary's deployment until it waits at our pause (or went past it: someone continued)."""
    arn = job.moved.deployment
    if not arn:
        return "nothing to wait for"
    stage = configs.PAUSE_STAGES.get(configs.strategy_of(job.configuration), "")
    while True:
        paused, job.seen, why = follow(ctx, arn, lambda s: bool(our_pause(s)) or _past(s, stage))
        if not paused:
            raise DeploymentFailed(why_failed(ctx, job, why))
        pause = our_pause(job.seen)
        if not pause or stage != "PRE_PRODUCTION_TRAFFIC_SHIFT" or job.seen.production_weight > 0:
            break
        # Canary and linear: this is the pause before the first step; the canary is the step after it.
        service_deployments.resume(ctx.aws, arn, pause, "CONTINUE")
        ctx.console.progress(f"continued deployment {short(arn)} into its first production step")
    if not our_pause(job.seen):
        where = job.seen.stage or job.seen.status
        return f"deployment {short(arn)} is past the pause ({where}): someone continued it"
    said = f"paused for verification — {weights(ctx, job, job.seen)}"
    if analysis.wanted(ctx, job.seen, ""):
        return f"{said}; {analysis.judge(ctx, job, job.seen)}"
    return said


def _past(seen: Seen, stage: str) -> bool:
    """Whether a deployment went past where a canary of `stage` pauses (someone continued it)."""
    later: tuple[str, ...] = ("POST_PRODUCTION_TRAFFIC_SHIFT", *PAST_SHIFTS)
    if stage == "POST_TEST_TRAFFIC_SHIFT":
        later = ("PRODUCTION_TRAFFIC_SHIFT", *later)
    return seen.status == "SUCCESSFUL" or seen.stage in later


def reached(seen: Seen, until: str) -> bool:
    """Whether a deployment got where `deploy --wait-until` stops: traffic-shifted, baked or done."""
    if seen.status == "SUCCESSFUL":
        return True
    if seen.status != "IN_PROGRESS":
        return False
    return (until == "traffic-shifted" and seen.stage in PAST_SHIFTS) or (
        until == "baked" and seen.stage == "CLEAN_UP"
    )


def complete(ctx: Context, job: Job) -> str:
    """Follow the deployment to `native.wait_until`, answering CONTINUE at each pause of ours."""
    arn = job.moved.deployment
    if not arn:
        return "nothing to follow"
    until = ctx.settings.native.wait_until
    found = job.under_way.pause if job.under_way else ""
    continued = 0
    while True:
        done, job.seen, why = follow(ctx, arn, lambda s: reached(s, until) or bool(our_pause(s)))
        if not done:
            raise DeploymentFailed(why_failed(ctx, job, why))
        pause = our_pause(job.seen)
        if not pause:
            break
        if analysis.wanted(ctx, job.seen, found):
            ctx.console.progress(analysis.judge(ctx, job, job.seen))
        if service_deployments.resume(ctx.aws, arn, pause, "CONTINUE"):
            continued += 1
            ctx.console.progress(f"continued deployment {short(arn)} at {job.seen.stage}")
    answered = f" after {counted(continued, 'pause')}" if continued else ""
    if job.seen.status == "SUCCESSFUL":
        return f"deployment {short(arn)} SUCCESSFUL{answered} — {weights(ctx, job, job.seen)}"
    return (
        f"deployment {short(arn)} at {job.seen.stage}{answered} (--wait-until {until}) — "
        f"{weights(ctx, job, job.seen)}; ECS still rolls it back if an alarm or the circuit breaker trips"
    )
