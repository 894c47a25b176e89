"""`codedeploy`: ECS blue/green by CodeDeploy — a canary waits at Ready, deploy shifts production to it."""

from ci_ecs.strategies.codedeploy.deploy import canary_plan, deploy_plan, status
from ci_ecs.strategies.codedeploy.rollback import plan as rollback_plan

__all__ = ["canary_plan", "deploy_plan", "rollback_plan", "status"]
