"""ci-ecs: ship containers to Amazon ECS/Fargate from CI."""

__version__ = "0.1.0"
