"""Plain boto3 clients on the session's sandbox, with the reads the sandbox tests repeat."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import pytest

from ci_ecs.sandbox import Sample, Sandbox

T = TypeVar("T")


@dataclass
class Aws:
    """boto3 clients on the sandbox endpoint plus the reads the tests repeat."""

    ecs: Any
    elbv2: Any
    ec2: Any
    sample: Sample

    @staticmethod
    def wait_for(check: Callable[[], T], what: str, timeout: float = 30.0, every: float = 0.01) -> T:
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

    def tasks(self, arns: list[str] | None = None) -> list[dict[str, Any]]:
        arns = arns if arns is not None else self.ecs.list_tasks(cluster=self.sample.cluster)["taskArns"]
        if not arns:
            return []
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            found += self.ecs.describe_tasks(cluster=self.sample.cluster, tasks=arns[start : start + 100])[
                "tasks"
            ]
        return found

    def live_tasks(self) -> list[dict[str, Any]]:
        return [t for t in self.tasks() if t["lastStatus"] != "STOPPED"]

    def targets(self, group: str | None = None) -> dict[tuple[str, int], dict[str, Any]]:
        reply = self.elbv2.describe_target_health(TargetGroupArn=group or self.sample.target_group_arn)
        return {
            (d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]
            for d in reply["TargetHealthDescriptions"]
        }

    def register_revision(self, image: str) -> str:
        """Register a revision of the sample family with another image; returns its ARN."""
        current = self.ecs.describe_task_definition(taskDefinition=self.sample.task_family)["taskDefinition"]
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

    return Aws(ecs=client("ecs"), elbv2=client("elbv2"), ec2=client("ec2"), sample=sample)
