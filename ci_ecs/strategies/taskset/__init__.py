"""`taskset`: an EXTERNAL-controller service deployed by task sets (its canary: `canary.mode: taskset`)."""

from ci_ecs.strategies.taskset.deploy import deploy_plan, rollback_plan

__all__ = ["deploy_plan", "rollback_plan"]
