"""The CodeDeploy application and blue/green deployment group of a service: read, check, create."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ci_ecs.aws import codedeploy, elbv2, iam
from ci_ecs.aws.clients import Aws, missing_is
from ci_ecs.errors import AwsError, ConfigError, PreconditionError
from ci_ecs.settings import Settings

_MAX_MINUTES = 2880  # CodeDeploy's limit for both blue/green waits (two days)


@dataclass
class Group:
    """The names in use and what AWS has of them (None: to be created)."""

    application: str
    name: str
    application_found: bool = False
    info: dict[str, Any] | None = None

    def listeners(self, route: str) -> list[str]:
        """The listener ARNs of `prodTrafficRoute` or `testTrafficRoute`."""
        info = self.info or {}
        pairs = info.get("loadBalancerInfo", {}).get("targetGroupPairInfoList", [])
        return [arn for pair in pairs for arn in pair.get(route, {}).get("listenerArns", [])]


def minutes(seconds: float, least: int = 0) -> int:
    """Seconds as CodeDeploy's whole minutes, rounded up, within its limits."""
    return min(_MAX_MINUTES, max(least, math.ceil(seconds / 60)))


def named(settings: Settings) -> Group:
    """The application and group names the settings give this service (not read from AWS yet)."""
    cfg, cluster, service = settings.codedeploy, settings.cluster, settings.service
    return Group(cfg.application_name(cluster, service), cfg.group_name(cluster, service))


def read(aws: Aws, settings: Settings, *, hold: bool) -> tuple[Group, str]:
    """Find the application and group; check they can serve this service (`hold`: can wait when Ready).

    A group that does not exist yet must be fully configured: ConfigError naming the missing key.
    """
    group = named(settings)
    check_config(aws, settings.codedeploy.config)
    group.info = codedeploy.get_group(aws, group.application, group.name)
    # A group implies its application: GetApplication only when the group is missing.
    group.application_found = (
        group.info is not None or codedeploy.get_application(aws, group.application) is not None
    )
    if group.info is None:
        params(settings, group)  # raises ConfigError for what creating it would lack
        check_references(aws, settings)  # before the application is created: all or nothing
        return group, f"deployment group {group.name} of {group.application} will be created"
    check(group.info, settings, hold=hold)
    option = group.info.get("blueGreenDeploymentConfiguration", {}).get("deploymentReadyOption", {})
    waits = f"waits {option.get('waitTimeInMinutes', 0)}m when ready"
    config = group.info.get("deploymentConfigName")
    return group, f"deployment group {group.name} of {group.application} ({config}, {waits})"


def check_config(aws: Aws, name: str) -> None:
    """PreconditionError unless the deployment configuration exists and is one for ECS."""
    found = codedeploy.get_deployment_config(aws, name)
    if found is None:
        raise PreconditionError(
            f"codedeploy.config: deployment configuration {name} does not exist — use "
            "CodeDeployDefault.ECSAllAtOnce, a CodeDeployDefault.ECSCanary… or ECSLinear… one, or create it"
        )
    platform = found.get("computePlatform", "ECS")
    if platform != "ECS":
        raise PreconditionError(
            f"codedeploy.config: {name} is a configuration for {platform}, not ECS — use an ECS one"
        )


def check_references(aws: Aws, settings: Settings) -> None:
    """PreconditionError naming the key of a role, target group or listener that does not exist."""
    cfg = settings.codedeploy
    role = cfg.service_role or ""
    try:
        found = iam.get_role(aws, role)
    except AwsError as exc:
        if exc.code not in ("AccessDenied", "AccessDeniedException"):
            raise
        found = {}  # not allowed to look (iam:GetRole): CreateDeploymentGroup will say if it is missing
    if found is None:
        raise PreconditionError(
            f"codedeploy.service_role: role {iam.role_name(role)} does not exist — set it to the ARN of "
            "a role that trusts codedeploy.amazonaws.com (AWSCodeDeployRoleForECS)"
        )
    for arn in cfg.target_groups:
        with missing_is(
            f"codedeploy.target_groups: target group {elbv2.target_group_name(arn)} does not exist "
            f"({arn}) — set the service's blue and green target groups",
            ("TargetGroupNotFound",),
        ):
            elbv2.describe_target_groups(aws, [arn])
    for key, listener in (
        ("codedeploy.production_listener", cfg.production_listener),
        ("codedeploy.test_listener", cfg.test_listener),
    ):
        if listener:
            with missing_is(
                f"{key}: listener {listener} does not exist — set its ARN", ("ListenerNotFound",)
            ):
                elbv2.forward_weights(aws, listener)


def check(info: dict[str, Any], settings: Settings, *, hold: bool) -> None:
    """PreconditionError when an existing group cannot deploy this service as asked."""
    name = info.get("deploymentGroupName")
    services = {(s.get("clusterName"), s.get("serviceName")) for s in info.get("ecsServices", [])}
    if (settings.cluster, settings.service) not in services:
        raise PreconditionError(
            f"codedeploy.deployment_group: {name} deploys {sorted(services)}, not service "
            f"{settings.service} of cluster {settings.cluster} — set codedeploy.deployment_group to its group"
        )
    if info.get("deploymentStyle", {}).get("deploymentType") != "BLUE_GREEN":
        raise PreconditionError(f"codedeploy.deployment_group: {name} is not a BLUE_GREEN deployment group")
    option = info.get("blueGreenDeploymentConfiguration", {}).get("deploymentReadyOption", {})
    if hold and option.get("actionOnTimeout", "CONTINUE_DEPLOYMENT") != "STOP_DEPLOYMENT":
        # Changing a group that infrastructure code owns would be overwritten (or fight it): refuse.
        raise PreconditionError(
            f"codedeploy.deployment_group: {name} shifts production traffic as soon as the replacement is "
            "ready (deploymentReadyOption CONTINUE_DEPLOYMENT), so canary-deploy cannot hold it before "
            "production — set actionOnTimeout STOP_DEPLOYMENT (with waitTimeInMinutes) on the group, "
            "or run deploy without canary-deploy"
        )


def params(settings: Settings, group: Group) -> dict[str, Any]:
    """CreateDeploymentGroup parameters from the codedeploy settings; ConfigError naming a missing key."""
    cfg = settings.codedeploy
    missing = "is required to create deployment group {name} (it does not exist yet)"
    for key, value in (
        ("codedeploy.service_role", cfg.service_role),
        ("codedeploy.production_listener", cfg.production_listener),
    ):
        if not value:
            raise ConfigError(f"{key}: {missing.format(name=group.name)}")
    if len(cfg.target_groups) != 2:
        raise ConfigError(
            f"codedeploy.target_groups: two target groups (blue, then green) "
            f"{missing.format(name=group.name)}; {len(cfg.target_groups)} given"
        )
    pair: dict[str, Any] = {
        "targetGroups": [{"name": elbv2.target_group_name(arn)} for arn in cfg.target_groups],
        "prodTrafficRoute": {"listenerArns": [cfg.production_listener]},
    }
    if cfg.test_listener:
        pair["testTrafficRoute"] = {"listenerArns": [cfg.test_listener]}
    return {
        "applicationName": group.application,
        "deploymentGroupName": group.name,
        "deploymentConfigName": cfg.config,
        "serviceRoleArn": cfg.service_role,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": minutes(cfg.termination_wait),
            },
            "deploymentReadyOption": {
                "actionOnTimeout": "STOP_DEPLOYMENT",
                "waitTimeInMinutes": minutes(cfg.ready_wait, least=1),
            },
        },
        "autoRollbackConfiguration": {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
        },
        "ecsServices": [{"serviceName": settings.service, "clusterName": settings.cluster}],
        "loadBalancerInfo": {"targetGroupPairInfoList": [pair]},
        "tags": [{"Key": "created-by", "Value": "ci-ecs"}],
    }


def ensure(aws: Aws, settings: Settings, group: Group) -> str:
    """Create what `read` found missing (a re-run finds them and changes nothing)."""
    if group.info is not None:
        return f"{group.name} exists"
    created = []
    if not group.application_found:
        codedeploy.create_application(aws, group.application)
        group.application_found = True
        created.append(f"application {group.application}")
    wanted = params(settings, group)
    codedeploy.create_group(aws, wanted)
    group.info = wanted  # what later steps read of it (listeners, waits) is what we asked for
    created.append(f"deployment group {group.name}")
    return "created " + " and ".join(created)
