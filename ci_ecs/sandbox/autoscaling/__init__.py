"""Application Auto Scaling of ECS services: desired counts kept within scalable targets' bounds."""
