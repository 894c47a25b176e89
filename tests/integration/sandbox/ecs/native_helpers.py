"""Driving the sample's ECS-native services (BLUE_GREEN, LINEAR, CANARY) with plain boto3 over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.sandbox.seed.native_sample import NativeSample
from tests.integration.sandbox.conftest import Aws

FINAL = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)


@dataclass(frozen=True)
class Seen:
    """One look at a deployment: its status and stage, the rules' weights, the revisions' tasks."""

    status: str
    stage: str | None
    production: tuple[int, int]  # (blue, green) weights of the production rule
    test: tuple[int, int]
    target_running: int
    target_live: int  # target tasks not STOPPED and still wanted (desiredStatus RUNNING)
    source_running: int
    hooks: tuple[str, ...]


@dataclass
class Native:
    """One sample native service and the boto3 clients to drive it."""

    aws: Aws
    sample: NativeSample
    seen: list[Seen] = field(default_factory=list)

    @property
    def ecs(self) -> Any:
        return self.aws.ecs

    def service(self) -> dict[str, Any]:
        found: dict[str, Any] = self.ecs.describe_services(
            cluster=self.aws.sample.cluster, services=[self.sample.service]
        )["services"][0]
        return found

    def revision(self, tag: str) -> str:
        """A task definition of the service's family on the sample image `tag`."""
        return self.aws.revision_of(self.sample.task_family, f"{self.aws.sample.repository}:{tag}")

    def deploy(self, tag: str, **configuration: Any) -> str:
        """UpdateService to `tag` (with these deploymentConfiguration members); the service deployment."""
        params: dict[str, Any] = {"taskDefinition": self.revision(tag)}
        if configuration:
            params["deploymentConfiguration"] = configuration
        service = self.ecs.update_service(
            cluster=self.aws.sample.cluster, service=self.sample.service, **params
        )
        arn: str = service["service"]["currentServiceDeployment"]
        return arn

    def describe(self, arn: str) -> dict[str, Any]:
        found: dict[str, Any] = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
            "serviceDeployments"
        ][0]
        return found

    def weights(self, rule: str) -> tuple[int, int]:
        """(blue, green) weights of a rule's forward action."""
        [found] = self.aws.elbv2.describe_rules(RuleArns=[rule])["Rules"]
        groups = {
            g["TargetGroupArn"]: g["Weight"] for g in found["Actions"][0]["ForwardConfig"]["TargetGroups"]
        }
        return groups.get(self.sample.blue_target_group_arn, 0), groups.get(
            self.sample.green_target_group_arn, 0
        )

    def tasks_of(self, task_definition: str) -> list[dict[str, Any]]:
        return [
            t
            for t in self.aws.tasks(service=self.sample.service)
            if t["taskDefinitionArn"] == task_definition
        ]

    def look(self, arn: str, target: str, source: str) -> tuple[Seen, dict[str, Any]]:
        """Read the deployment, both rules and the tasks of the target and source task definitions."""
        found = self.describe(arn)
        target_tasks, source_tasks = self.tasks_of(target), self.tasks_of(source)
        seen = Seen(
            status=found["status"],
            stage=found.get("lifecycleStage"),
            production=self.weights(self.sample.production_rule_arn),
            test=self.weights(self.sample.test_rule_arn),
            target_running=sum(t["lastStatus"] == "RUNNING" for t in target_tasks),
            target_live=sum(
                t["lastStatus"] != "STOPPED" and t["desiredStatus"] == "RUNNING" for t in target_tasks
            ),
            source_running=sum(t["lastStatus"] == "RUNNING" for t in source_tasks),
            hooks=tuple(h["status"] for h in found.get("lifecycleHookDetails", [])),
        )
        if not self.seen or self.seen[-1] != seen:
            self.seen.append(seen)
        return seen, found

    def follow(
        self, arn: str, target: str, source: str, until: Any = None, timeout: float = 60
    ) -> dict[str, Any]:
        """Look again and again until `until(seen, deployment)` (default: a final status); the last reply."""
        done = until or (lambda seen, found: seen.status in FINAL)

        def check() -> dict[str, Any] | None:
            seen, found = self.look(arn, target, source)
            return found if done(seen, found) else None

        return self.aws.wait_for(check, f"{self.sample.service}: {arn}", timeout=timeout)

    def stages(self) -> list[str]:
        """The stages seen, in order, without repeats."""
        found: list[str] = []
        for seen in self.seen:
            if seen.stage and (not found or found[-1] != seen.stage):
                found.append(seen.stage)
        return found

    def pause_at(self, *stages: str, timeout: int = 60, action: str = "ROLLBACK") -> dict[str, Any]:
        """A PAUSE hook at these stages (deploymentConfiguration.lifecycleHooks[0])."""
        return {
            "targetType": "PAUSE",
            "lifecycleStages": list(stages),
            "timeoutConfiguration": {"timeoutInMinutes": timeout, "action": action},
        }

    def awaiting(self, arn: str) -> dict[str, Any]:
        """The deployment once a hook of it is AWAITING_ACTION; returns that hook's detail."""

        def check() -> dict[str, Any] | None:
            found = self.describe(arn)
            return next(
                (h for h in found.get("lifecycleHookDetails", []) if h["status"] == "AWAITING_ACTION"), None
            )

        return self.aws.wait_for(check, f"a hook of {arn} to await action")


def lambda_hook(
    name: str, *stages: str, timeout: int | None = None, action: str = "ROLLBACK"
) -> dict[str, Any]:
    """An AWS_LAMBDA hook on function `name` (the sandbox answers by the name: -fail, -slow, else OK)."""
    hook: dict[str, Any] = {
        "targetType": "AWS_LAMBDA",
        "hookTargetArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "roleArn": "arn:aws:iam::123456789012:role/ecs-hooks",
        "lifecycleStages": list(stages),
    }
    if timeout is not None:
        hook["timeoutConfiguration"] = {"timeoutInMinutes": timeout, "action": action}
    return hook
