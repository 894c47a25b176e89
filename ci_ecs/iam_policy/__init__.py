"""The least-privilege IAM policy of a technique's jobs, each statement scoped to what it acts on."""

from __future__ import annotations

from typing import Any

from ci_ecs.errors import ConfigError
from ci_ecs.iam_policy import compute, review, traffic
from ci_ecs.iam_policy.target import NO_RESOURCE_LEVEL, TECHNIQUES, Target, Technique
from ci_ecs.settings import Settings

__all__ = [
    "NO_RESOURCE_LEVEL",
    "TECHNIQUES",
    "Target",
    "Technique",
    "policy",
    "technique_named",
    "technique_of",
]


def technique_of(settings: Settings) -> Technique:
    """The technique the settings choose: the strategy, or a rolling service's canary mode."""
    if settings.strategy == "rolling":
        return settings.canary.mode or "rolling"
    return technique_named(settings.strategy)


def technique_named(name: str) -> Technique:
    """A technique by its name; ConfigError listing the names otherwise."""
    for technique in TECHNIQUES:
        if technique == name:
            return technique
    raise ConfigError(f"--technique: {name!r} is not a technique — use one of {', '.join(TECHNIQUES)}")


def policy(
    settings: Settings,
    technique: Technique,
    target: Target,
    *,
    build: bool = False,
    run: bool = False,
    reviews: bool = False,
) -> dict[str, Any]:
    """The policy document: every statement the technique's jobs need (with `build`, `run` and `reviews`,
    what `ci-ecs build`, `ci-ecs run` and review environments need too; a review environment's settings
    imply `reviews`)."""
    statements = [
        *compute.lock(settings, target),
        *compute.image(settings, target, build=build),
        *compute.task_definitions(target),
        *compute.services(settings, technique, target),
        *compute.tasks(settings, technique, target),
        *(compute.one_off_tasks(settings, target) if run else []),
        *traffic.load_balancing(settings, technique, target),
        *traffic.autoscaling(technique, target),
        *traffic.codedeploy(settings, technique, target),
        *traffic.canary_analysis(settings, target),
        *compute.passed_roles(technique, target),
        *(review.statements(settings, target) if reviews or settings.review.enabled else []),
    ]
    return {"Version": "2012-10-17", "Statement": statements}
