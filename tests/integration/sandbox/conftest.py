"""Plain boto3 clients on the session's sandbox, with the reads the sandbox tests repeat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest

from ci_ecs.sandbox import Sample, Sandbox
from ci_ecs.sandbox.elb.metrics import load_balancer_dimension, target_group_dimension

T = TypeVar("T")


@dataclass
class Aws:
    """boto3 clients on the sandbox endpoint plus the reads the tests repeat."""

    ecs: Any
    elbv2: Any
    ec2: Any
    cloudwatch: Any
    sample: Sample

    @staticmethod
    def wait_for(check: Callable[[], T | None], what: str, timeout: float = 30.0, every: float = 0.01) -> T:
        """Poll `check` until it returns something truthy; generous timeouts, no duration asserted."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(every)

    @staticmethod
    def detail(task: dict[str, Any], name: str) -> str:
        """A detail of the task's ENI attachment (privateIPv4Address, subnetId, …)."""
        details = {d["name"]: d["value"] for a in task["attachments"] for d in a["details"]}
        return str(details[name])

    def service(self) -> dict[str, Any]:
        found: dict[str, Any] = self.ecs.describe_services(
            cluster=self.sample.cluster, services=[self.sample.service]
        )["services"][0]
        return found

    def tasks(self, arns: list[str] | None = None, service: str | None = None) -> list[dict[str, Any]]:
        """The given tasks, else every task of `service` (default: the sample's `web`), stopped ones too."""
        if arns is None:
            arns = [
                arn
                for status in ("RUNNING", "STOPPED")
                for arn in self.ecs.list_tasks(
                    cluster=self.sample.cluster,
                    serviceName=service or self.sample.service,
                    desiredStatus=status,
                )["taskArns"]
            ]
        if not arns:
            return []
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            found += self.ecs.describe_tasks(cluster=self.sample.cluster, tasks=arns[start : start + 100])[
                "tasks"
            ]
        return found

    def live_tasks(self, service: str | None = None) -> list[dict[str, Any]]:
        return [t for t in self.tasks(service=service) if t["lastStatus"] != "STOPPED"]

    def task_sets(self) -> list[dict[str, Any]]:
        """The task sets of the sample's EXTERNAL service `web-ext`."""
        found: list[dict[str, Any]] = self.ecs.describe_task_sets(
            cluster=self.sample.cluster, service=self.sample.external_service
        )["taskSets"]
        return found

    def task_set(self, arn: str) -> dict[str, Any] | None:
        return next((t for t in self.task_sets() if t["taskSetArn"] == arn), None)

    def external_service(self) -> dict[str, Any]:
        found: dict[str, Any] = self.ecs.describe_services(
            cluster=self.sample.cluster, services=[self.sample.external_service]
        )["services"][0]
        return found

    def register_external_revision(self, tag: str) -> str:
        """A revision of the `web-ext` family on another image tag; returns its ARN."""
        return self.revision_of(self.sample.external_task_family, f"{self.sample.repository}:{tag}")

    def create_canary_task_set(self, tag: str, scale: float) -> dict[str, Any]:
        """A task set of `web-ext` on `tag` in the canary target group, as ci-ecs's taskset mode makes it."""
        sample = self.sample
        found: dict[str, Any] = self.ecs.create_task_set(
            cluster=sample.cluster,
            service=sample.external_service,
            taskDefinition=self.register_external_revision(tag),
            externalId=f"canary-{tag}",
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(sample.subnets),
                    "securityGroups": list(sample.security_groups),
                }
            },
            loadBalancers=[
                {
                    "targetGroupArn": sample.canary_target_group_arn,
                    "containerName": sample.container,
                    "containerPort": sample.container_port,
                }
            ],
            scale={"value": scale, "unit": "PERCENT"},
        )["taskSet"]
        return found

    def steady(self, arn: str, running: int) -> dict[str, Any] | None:
        """The task set once STEADY_STATE with `running` tasks."""
        found = self.task_set(arn)
        if found and found["stabilityStatus"] == "STEADY_STATE" and found["runningCount"] == running:
            return found
        return None

    def set_weights(self, primary: int, canary: int) -> None:
        """Forward the sample's listener rule to the primary and canary target groups by weight."""
        groups = [
            {"TargetGroupArn": self.sample.primary_target_group_arn, "Weight": primary},
            {"TargetGroupArn": self.sample.canary_target_group_arn, "Weight": canary},
        ]
        self.elbv2.modify_rule(
            RuleArn=self.sample.listener_rule_arn,
            Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}],
        )

    def run_standalone(self, tag: str) -> tuple[str, str]:
        """RunTask one `web` task on `tag` as a canary; returns (task ARN, IP) once it has started."""
        sample = self.sample
        arn = self.ecs.run_task(
            cluster=sample.cluster,
            taskDefinition=self.register_revision(f"{sample.repository}:{tag}"),
            launchType="FARGATE",
            startedBy="ci-ecs-canary",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(sample.subnets),
                    "securityGroups": list(sample.security_groups),
                }
            },
        )["tasks"][0]["taskArn"]
        # Past PENDING (a `-crash` task may already have stopped again): its ENI has its IP.
        task = self.wait_for(
            lambda: next(
                (t for t in self.tasks([arn]) if t["lastStatus"] not in ("PROVISIONING", "PENDING")), None
            ),
            f"the {tag} task to start",
        )
        return arn, self.detail(task, "privateIPv4Address")

    def targets(self, group: str | None = None) -> dict[tuple[str, int], dict[str, Any]]:
        reply = self.elbv2.describe_target_health(TargetGroupArn=group or self.sample.target_group_arn)
        return {
            (d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]
            for d in reply["TargetHealthDescriptions"]
        }

    def alb_query(self, ident: str, metric: str, group: str, stat: str = "Sum") -> dict[str, Any]:
        """A GetMetricData query of an ALB metric of one target group behind the sample's `demo`."""
        dimensions = [
            {"Name": "LoadBalancer", "Value": load_balancer_dimension(self.sample.load_balancer_arn)},
            {"Name": "TargetGroup", "Value": target_group_dimension(group)},
        ]
        return {
            "Id": ident,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": metric, "Dimensions": dimensions},
                "Period": 60,
                "Stat": stat,
            },
        }

    def register_revision(self, image: str) -> str:
        """Register a revision of the sample family with another image; returns its ARN."""
        return self.revision_of(self.sample.task_family, image)

    def revision_of(self, family: str, image: str) -> str:
        """Register a revision of `family` (its latest, on another image); returns its ARN."""
        current = self.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        keys = ("family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities")
        revision = {key: current[key] for key in keys}
        revision["containerDefinitions"][0]["image"] = image
        arn: str = self.ecs.register_task_definition(**revision)["taskDefinition"]["taskDefinitionArn"]
        return arn

    def update(self, **kwargs: Any) -> dict[str, Any]:
        reply: dict[str, Any] = self.ecs.update_service(
            cluster=self.sample.cluster, service=self.sample.service, **kwargs
        )["service"]
        return reply

    def settled(self) -> dict[str, Any] | None:
        """The service once a single deployment is left and it is no longer IN_PROGRESS."""
        service = self.service()
        deployments = service["deployments"]
        if len(deployments) == 1 and deployments[0]["rolloutState"] != "IN_PROGRESS":
            return service
        return None


@pytest.fixture
def aws(sandbox: Sandbox, sample: Sample) -> Aws:
    def client(name: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            name,
            endpoint_url=sandbox.endpoint,
            region_name=sample.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return Aws(
        ecs=client("ecs"),
        elbv2=client("elbv2"),
        ec2=client("ec2"),
        cloudwatch=client("cloudwatch"),
        sample=sample,
    )


@pytest.fixture
def aws_cli(sandbox: Sandbox, sample: Sample) -> Callable[..., Any]:
    """The real `aws` CLI on the sandbox, as an independent client: `aws_cli("ecs", …)` → its JSON reply."""
    executable = Path(sys.executable).parent / "aws"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("AWS_ENDPOINT_URL", None)
    common = ["--endpoint-url", sandbox.endpoint, "--region", sample.region, "--output", "json"]

    def run(*args: str) -> Any:
        done = subprocess.run(
            [str(executable), *args, *common], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run
