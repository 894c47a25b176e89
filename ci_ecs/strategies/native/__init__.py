"""ECS's own blue/green, linear and canary deployments, paused for verification and followed from CI."""

from ci_ecs.strategies.native.deploy import canary_plan, deploy_plan
from ci_ecs.strategies.native.rollback import plan as rollback_plan
from ci_ecs.strategies.native.status import status, status_line

__all__ = ["canary_plan", "deploy_plan", "rollback_plan", "status", "status_line"]
