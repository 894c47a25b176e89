"""What a policy is written for: the technique, where the jobs act, and how one statement is spelled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from ci_ecs.settings import Settings

Technique = Literal["rolling", "task", "service", "taskset", "codedeploy", "switch", "native"]
TECHNIQUES: tuple[Technique, ...] = get_args(Technique)
ALL = "*"
Statement = dict[str, Any]

# The only actions granted on Resource "*": the Service Authorization Reference gives them no resource type
# a job could name (a statement naming an ARN would not grant them at all).
NO_RESOURCE_LEVEL = {
    "cloudwatch:GetMetricData": "no resource type",
    "ecs:DescribeTaskDefinition": "no resource type",
    "ecs:ListTaskDefinitions": "no resource type",
    "ecs:ListServices": "no resource type; held to the cluster by the ecs:cluster condition",
    "ecs:ListTasks": "its only resource type is the container instance, which Fargate tasks lack; held "
    "to the cluster by the ecs:cluster condition",
    "elasticloadbalancing:DescribeListeners": "no resource type",
    "elasticloadbalancing:DescribeLoadBalancers": "no resource type",
    "elasticloadbalancing:DescribeRules": "no resource type",
    "elasticloadbalancing:DescribeTargetGroupAttributes": "no resource type",
    "elasticloadbalancing:DescribeTargetGroups": "no resource type",
    "elasticloadbalancing:DescribeTargetHealth": "no resource type",
    "elasticloadbalancing:DescribeTags": "no resource type",
    "application-autoscaling:DescribeScalableTargets": "no resource type",
    "application-autoscaling:DescribeScalingPolicies": "no resource type",
    "codedeploy:ContinueDeployment": "no resource type",
    "codedeploy:StopDeployment": "no resource type",
    "codedeploy:BatchGetDeploymentTargets": "no resource type",
    "codedeploy:ListDeploymentTargets": "no resource type",
    "ecr:GetAuthorizationToken": "no resource type",
}


@dataclass(frozen=True)
class Target:
    """Where the jobs act: partition, region and account; the service's task family, the roles its task
    definition passes to ECS, its target groups, and the roles of its own deployment lifecycle hooks."""

    partition: str
    region: str
    account: str
    family: str
    task_roles: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    hook_roles: tuple[str, ...] = ()

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (without the region for IAM)."""
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def in_cluster(self, cluster: str) -> Statement:
        """The condition that holds an ECS action to the cluster."""
        return {"ArnEquals": {"ecs:cluster": self.arn("ecs", f"cluster/{cluster}")}}


def statement(
    sid: str, actions: list[str], resources: list[str], condition: Statement | None = None
) -> Statement:
    """One Allow statement: actions sorted, resources in order without repeats."""
    found: Statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions))}
    found["Resource"] = list(dict.fromkeys(resources))
    if condition:
        found["Condition"] = condition
    return found


def passed_to(principal: str) -> Statement:
    """The condition that lets a role be passed to one service only."""
    return {"StringEquals": {"iam:PassedToService": principal}}


def short_name(name: str) -> str:
    """A cluster's or service's name, also when given as its ARN."""
    return name.rsplit("/", 1)[-1]


def names(settings: Settings) -> tuple[str, str]:
    """(cluster, service) names of the settings."""
    return short_name(settings.cluster), short_name(settings.service)
