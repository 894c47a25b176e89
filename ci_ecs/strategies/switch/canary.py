"""A measured canary of a prepared version: its share of the public rules' traffic, step by step, analysed."""

from __future__ import annotations

from ci_ecs.analysis import metrics as analysis
from ci_ecs.aws import elbv2
from ci_ecs.runner import Step
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.judged import judge_step
from ci_ecs.strategies.switch.family import groups_of, plural
from ci_ecs.strategies.switch.prepare import Job


def wanted(ctx: Context) -> bool:
    """Whether `canary-deploy` gives the prepared version public traffic: with an analysis or steps."""
    return ctx.settings.analysis.enabled or bool(ctx.settings.canary.steps)


def check_step(ctx: Context) -> Step:
    """Before any change: the analysis's alarms exist (the version's target groups are made later)."""

    def check() -> str:
        alarms = analysis.check_alarms(ctx.aws, ctx.settings.analysis.alarms)
        return f"alarms {alarms}" if alarms else "the new version's target groups against the live ones"

    return Step("check the canary analysis", check, read_only=True)


def steps(ctx: Context, job: Job) -> tuple[Step, ...]:
    """Each step's share of the public traffic for the prepared version, then its analysis."""
    if not wanted(ctx):
        return ()
    found: list[Step] = []
    for weight in ctx.settings.canary.weights():
        found.append(
            Step(
                f"give it {weight}% of the public rule{plural(ctx.settings)}' traffic",
                lambda weight=weight: _shift(ctx, job, weight),  # type: ignore[misc]
            )
        )
        if ctx.settings.analysis.enabled:
            found.append(judge_step(ctx, lambda: _subject(ctx, job), f"{weight}% of the public traffic"))
    return tuple(found)


def _shift(ctx: Context, job: Job, weight: int) -> str:
    # No undo of its own: ending the prepare (the undo of marking it) puts the public rules back first.
    shown = []
    for rules, old, new in zip(job.family.rules, groups_of(job.live.service), job.groups, strict=True):
        weights = {old: 100 - weight, new: weight}
        if rules.public != weights:
            elbv2.forward(ctx.aws, rules.route.public_rule, weights)
            rules.public = weights
        shown.append(
            f"{elbv2.target_group_name(old)} {100 - weight} : {elbv2.target_group_name(new)} {weight}"
        )
    return "; ".join(shown)


def _subject(ctx: Context, job: Job) -> analysis.Subject:
    return analysis.subject(ctx.aws, job.version, job.groups, groups_of(job.live.service))
