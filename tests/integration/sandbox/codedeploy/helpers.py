"""Driving CodeDeploy blue/green for the sample's CODE_DEPLOY service `web-bg` with plain boto3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.integration.sandbox.conftest import Aws


@dataclass
class BlueGreen:
    """boto3 CodeDeploy on the sandbox, an application and deployment group for `web-bg`."""

    aws: Aws
    codedeploy: Any
    application: str = "AppECS-demo-web-bg"
    group: str = "DgpECS-demo-web-bg"

    def create_group(
        self,
        *,
        ready_wait: int | None = 60,
        termination_wait: int = 1,
        rollback: bool = True,
        config: str = "CodeDeployDefault.ECSAllAtOnce",
        test_listener: bool = True,
    ) -> None:
        """The application and group; `ready_wait` minutes with STOP_DEPLOYMENT (None: continue at once)."""
        sample = self.aws.sample
        self.codedeploy.create_application(applicationName=self.application, computePlatform="ECS")
        ready = (
            {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": ready_wait}
            if ready_wait is not None
            else {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}
        )
        pair: dict[str, Any] = {
            "targetGroups": [{"name": "web-bg-blue"}, {"name": "web-bg-green"}],
            "prodTrafficRoute": {"listenerArns": [sample.production_listener_arn]},
        }
        if test_listener:
            pair["testTrafficRoute"] = {"listenerArns": [sample.test_listener_arn]}
        self.codedeploy.create_deployment_group(
            applicationName=self.application,
            deploymentGroupName=self.group,
            deploymentConfigName=config,
            serviceRoleArn=sample.codedeploy_role_arn,
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            blueGreenDeploymentConfiguration={
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": "TERMINATE",
                    "terminationWaitTimeInMinutes": termination_wait,
                },
                "deploymentReadyOption": ready,
            },
            autoRollbackConfiguration={"enabled": rollback, "events": ["DEPLOYMENT_FAILURE"]}
            if rollback
            else {"enabled": False},
            loadBalancerInfo={"targetGroupPairInfoList": [pair]},
            ecsServices=[{"serviceName": sample.codedeploy_service, "clusterName": sample.cluster}],
        )

    def revision(self, tag: str) -> str:
        """A new revision of the `web-bg` family on image `tag`; returns its ARN."""
        family = self.aws.sample.codedeploy_task_family
        current = self.aws.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        keys = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")
        revision = {key: current[key] for key in keys}
        revision["containerDefinitions"][0]["image"] = f"{self.aws.sample.repository}:{tag}"
        arn: str = self.aws.ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
        return arn

    def deploy(self, tag: str, **kwargs: Any) -> str:
        """CreateDeployment of `tag` with a JSON AppSpec; returns the deployment id."""
        spec = {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": self.revision(tag),
                            "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 8080},
                        },
                    }
                }
            ],
        }
        deployment_id: str = self.codedeploy.create_deployment(
            applicationName=self.application,
            deploymentGroupName=self.group,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(spec)}},
            **kwargs,
        )["deploymentId"]
        return deployment_id

    def info(self, deployment_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        return found

    def status(self, deployment_id: str, wanted: str) -> dict[str, Any] | None:
        found = self.info(deployment_id)
        return found if found["status"] == wanted else None

    def wait_status(self, deployment_id: str, wanted: str, timeout: float = 60) -> dict[str, Any]:
        return self.aws.wait_for(lambda: self.status(deployment_id, wanted), f"status {wanted}", timeout)

    def target(self, deployment_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.codedeploy.get_deployment_target(
            deploymentId=deployment_id, targetId="demo:web-bg"
        )["deploymentTarget"]["ecsTarget"]
        return found

    def weights(self, listener: str) -> dict[str, int]:
        """Target group name → weight of a listener's default forward action."""
        action = self.aws.elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"][
            0
        ]
        return {
            g["TargetGroupArn"].split("/")[-2]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]
        }

    def task_sets(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.aws.ecs.describe_services(cluster="demo", services=["web-bg"])[
            "services"
        ][0]["taskSets"]
        return found
