"""`switch`: a service and target groups per version, switched on each route's public listener rule."""

from ci_ecs.strategies.switch.deploy import deploy_plan, prepare_plan
from ci_ecs.strategies.switch.rollback import plan as rollback_plan

__all__ = ["deploy_plan", "prepare_plan", "rollback_plan"]
