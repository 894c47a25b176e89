"""The statements for what moves or measures traffic: load balancers, Application Auto Scaling, CodeDeploy,
the canary analysis's CloudWatch reads."""

from __future__ import annotations

from ci_ecs.iam_policy.target import ALL, Statement, Target, Technique, names, passed_to, statement
from ci_ecs.settings import Settings

_ELB = "elasticloadbalancing"
# Every technique reads target health (the service's, a canary's) and, to say where traffic goes, the
# rules, listeners and load balancers: none of these reads can be held to a resource.
_READS = (
    "DescribeTargetHealth",
    "DescribeTargetGroups",
    "DescribeTargetGroupAttributes",
    "DescribeRules",
    "DescribeListeners",
    "DescribeLoadBalancers",
)


def load_balancing(settings: Settings, technique: Technique, target: Target) -> list[Statement]:
    """Reading health and routes; canary targets; the rules (or listeners) whose weights move; the switch
    technique's target groups `<prefix>-*`."""
    found = [statement("ReadLoadBalancers", [f"{_ELB}:{a}" for a in _READS], [ALL])]
    if technique == "task":
        actions = [f"{_ELB}:RegisterTargets", f"{_ELB}:DeregisterTargets"]
        found.append(statement("CanaryTargets", actions, list(target.target_groups)))
    routes: list[str] = []
    if technique == "taskset":
        routes = list(settings.canary.listener_rules)
    elif technique == "switch":
        switch = settings.switch.all_routes(names(settings)[1])
        routes = [arn for route in switch for arn in (route.public_rule, route.preparing_rule)]
        groups = [target.arn(_ELB, f"targetgroup/{route.name_prefix}-*/*") for route in switch]
        actions = ["CreateTargetGroup", "DeleteTargetGroup", "AddTags", "RemoveTags"]
        found.append(statement("VersionTargetGroups", [f"{_ELB}:{a}" for a in actions], groups))
    rules = [arn for arn in routes if ":listener/" not in arn]
    listeners = [arn for arn in routes if ":listener/" in arn]
    if rules:
        found.append(statement("MoveRuleTraffic", [f"{_ELB}:ModifyRule"], rules))
    if listeners:
        found.append(statement("MoveListenerTraffic", [f"{_ELB}:ModifyListener"], listeners))
    return found


def autoscaling(technique: Technique, target: Target) -> list[Statement]:
    """The switch technique saves, deregisters and restores each version's ECS scalable target."""
    if technique != "switch":
        return []
    reads = ["DescribeScalableTargets", "DescribeScalingPolicies"]
    changes = ["RegisterScalableTarget", "DeregisterScalableTarget", "PutScalingPolicy"]
    of_services = {
        "StringEquals": {
            "application-autoscaling:service-namespace": "ecs",
            "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
        }
    }
    targets = target.arn("application-autoscaling", "scalable-target/*")  # their ids are AWS's own
    return [
        statement("ReadAutoScaling", [f"application-autoscaling:{a}" for a in reads], [ALL]),
        statement(
            "MoveAutoScaling", [f"application-autoscaling:{a}" for a in changes], [targets], of_services
        ),
    ]


def codedeploy(settings: Settings, technique: Technique, target: Target) -> list[Statement]:
    """The application and deployment group (created when missing), their deployments, the service role."""
    if technique != "codedeploy":
        return []
    cfg = settings.codedeploy
    application = cfg.application_name(settings.cluster, settings.service)
    group = cfg.group_name(settings.cluster, settings.service)
    on_application = ["GetApplication", "CreateApplication", "RegisterApplicationRevision", "TagResource"]
    on_group = ["GetDeploymentGroup", "CreateDeploymentGroup", "TagResource"]
    on_group += ["CreateDeployment", "GetDeployment", "ListDeployments"]
    on_deployments = [
        "ContinueDeployment",
        "StopDeployment",
        "BatchGetDeploymentTargets",
        "ListDeploymentTargets",
    ]
    role = cfg.service_role or target.arn("iam", "role/<codedeploy-service-role>", regional=False)
    return [
        statement(
            "CodeDeployApplication",
            [f"codedeploy:{a}" for a in on_application],
            [target.arn("codedeploy", f"application:{application}")],
        ),
        statement(
            "CodeDeployGroup",
            [f"codedeploy:{a}" for a in on_group],
            [target.arn("codedeploy", f"deploymentgroup:{application}/{group}")],
        ),
        statement(
            "CodeDeployConfig",
            ["codedeploy:GetDeploymentConfig"],
            [target.arn("codedeploy", f"deploymentconfig:{cfg.config}")],
        ),
        statement("CodeDeployDeployments", [f"codedeploy:{a}" for a in on_deployments], [ALL]),
        statement("ReadCodeDeployRole", ["iam:GetRole"], [role]),
        statement("PassCodeDeployRole", ["iam:PassRole"], [role], passed_to("codedeploy.amazonaws.com")),
    ]


def canary_analysis(settings: Settings, target: Target) -> list[Statement]:
    """The canary analysis reads metrics (no resource type) and, when it watches alarms, those alarms."""
    if not settings.analysis.enabled:
        return []
    found = [statement("ReadCanaryMetrics", ["cloudwatch:GetMetricData"], [ALL])]
    alarms = [target.arn("cloudwatch", f"alarm:{name}") for name in settings.analysis.alarms]
    if alarms:
        found.append(statement("ReadCanaryAlarms", ["cloudwatch:DescribeAlarms"], alarms))
    return found
