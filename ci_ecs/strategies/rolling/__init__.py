"""`rolling`: a plain ECS rolling update with the deployment circuit breaker (canaries: `canary.mode`)."""

from ci_ecs.strategies.rolling.deploy import plan as deploy_plan
from ci_ecs.strategies.rolling.rollback import plan as rollback_plan

__all__ = ["deploy_plan", "rollback_plan"]
