"""CodeDeploy blue/green for ECS: deployment groups, AppSpecs, configurations and the deployment engine."""
