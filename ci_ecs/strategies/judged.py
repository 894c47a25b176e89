"""A canary judged inside a job: the analysis kept for the record; any verdict but pass fails the job."""

from __future__ import annotations

from collections.abc import Callable

from ci_ecs.analysis import metrics, run
from ci_ecs.errors import DeploymentFailed
from ci_ecs.runner import Step
from ci_ecs.strategies.context import Context


def judge(ctx: Context, subject: metrics.Subject, step: str) -> str:
    """Analyse the canary at `step`; DeploymentFailed (the job undoes what it changed) unless it passes."""
    found = run.analyse(ctx.aws, ctx.settings.analysis, subject, step, ctx.console)
    ctx.analyses.append(found)  # before the verdict is acted on: the record and summary show it either way
    if found.verdict != "pass":
        raise DeploymentFailed(found.reason)
    return found.reason


def judge_step(ctx: Context, subject: Callable[[], metrics.Subject], step: str) -> Step:
    """The plan step that judges the canary at `step` (its subject found when the step runs)."""
    return Step(f"analyse the canary at {step}", lambda: judge(ctx, subject(), step))
