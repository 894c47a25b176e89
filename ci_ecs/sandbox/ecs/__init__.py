"""ECS: the service scheduler, deployments, the task lifecycle, task sets and the ECS API calls moto lacks."""
