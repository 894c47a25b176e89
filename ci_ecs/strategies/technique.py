"""What a technique is to the jobs: its name, and the plans it gives canary-deploy, deploy and rollback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ci_ecs.runner import Plan
from ci_ecs.strategies.context import Context

Name = Literal["rolling", "taskset", "codedeploy", "switch", "native"]


@dataclass(frozen=True)
class Technique:
    """The plans a technique gives `canary-deploy`, `deploy` and `rollback` (`to`: a version, or None)."""

    canary_plan: Callable[[Context], Plan]
    deploy_plan: Callable[[Context], Plan]
    rollback_plan: Callable[[Context, str | None], Plan]
