"""The AWS state ci-ecs leaves in the sandbox, read directly: a comparable snapshot, and what is orphaned."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from typing import Any

from ci_ecs import sandbox as sandboxes
from ci_ecs.strategies import state
from tests.integration.helpers import client

ACTIVE_DEPLOYMENT = ["Created", "Queued", "InProgress", "Baking", "Ready"]
CANARY_STARTED_BY = "ci-ecs-canary"  # startedBy of the `task` canary mode's tasks
_VOLATILE = (
    (re.compile(r"arn:aws:ecs:[^:]+:\d+:task-definition/"), ""),
    (re.compile(r"/[0-9a-f]{16,}"), "/*"),  # the random parts of ELB ARNs
    (re.compile(r"ecs-svc/\d+"), "ecs-svc/*"),  # deployment and task-set ids
    (re.compile(r"\bd-[A-Z0-9]{9}\b"), "d-*"),  # CodeDeploy deployment ids
    (re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)?"), "<time>"),
)


def stable(value: Any) -> str:
    """A value with its random ids and times masked: equal across two runs of the same job."""
    text = str(value)
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _tags(tags: list[dict[str, str]], key: str = "key", value: str = "value") -> dict[str, str]:
    return {t[key]: stable(t[value]) for t in tags if t[key].startswith(state.PREFIX)}


class ClusterState:
    """Reads of the sample cluster, its load balancers, CodeDeploy and Application Auto Scaling."""

    def __init__(self, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> None:
        self.cluster = sample.cluster
        self.ecs, self.elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
        self.codedeploy = client(sandbox, "codedeploy")
        self.scaling = client(sandbox, "application-autoscaling")

    def revisions(self) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
        """Every ACTIVE task-definition revision (`web:2`): its content and ci-ecs tags."""
        arns = self.ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
        found = {}
        for arn in arns:
            described = self.ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            definition = dict(described["taskDefinition"])
            for key in ("taskDefinitionArn", "revision", "registeredAt", "status"):
                definition.pop(key, None)
            found[stable(arn)] = (definition, _tags(described.get("tags", [])))
        return found

    def services(self) -> list[dict[str, Any]]:
        """Every service of the cluster (ACTIVE and DRAINING), described with tags."""
        arns = self.ecs.list_services(cluster=self.cluster)["serviceArns"]
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 10):
            found += self.ecs.describe_services(
                cluster=self.cluster, services=arns[start : start + 10], include=["TAGS"]
            )["services"]
        return found

    def running_tasks(self) -> list[dict[str, Any]]:
        """Every task whose desired status is RUNNING."""
        arns = self.ecs.list_tasks(cluster=self.cluster, desiredStatus="RUNNING")["taskArns"]
        return list(self.ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"]) if arns else []

    def target_groups(self) -> list[dict[str, Any]]:
        """Every target group with its ci-ecs tags (as `Tags`)."""
        groups = list(self.elbv2.describe_target_groups()["TargetGroups"])
        for start in range(0, len(groups), 20):
            batch = groups[start : start + 20]
            described = self.elbv2.describe_tags(ResourceArns=[g["TargetGroupArn"] for g in batch])
            tags = {d["ResourceArn"]: d.get("Tags", []) for d in described["TagDescriptions"]}
            for group in batch:
                group["Tags"] = _tags(tags.get(group["TargetGroupArn"], []), "Key", "Value")
        return groups

    def forwards(self) -> dict[str, dict[str, int]]:
        """Every listener's default action and rule: target group name → weight."""
        found: dict[str, dict[str, int]] = {}
        for balancer in self.elbv2.describe_load_balancers()["LoadBalancers"]:
            listeners = self.elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
                "Listeners"
            ]
            for listener in listeners:
                where = f"{balancer['LoadBalancerName']}:{listener['Port']}"
                found[f"{where} default"] = _weights(listener.get("DefaultActions", []))
                for rule in self.elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                    found[f"{where} {rule['Priority']}"] = _weights(rule.get("Actions", []))
        return found

    def deployments(self) -> dict[str, list[dict[str, Any]]]:
        """CodeDeploy: `application/group` → its deployments (infos)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for application in self.codedeploy.list_applications()["applications"]:
            groups = self.codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]
            for group in groups:
                ids = self.codedeploy.list_deployments(applicationName=application, deploymentGroupName=group)
                found[f"{application}/{group}"] = [
                    self.codedeploy.get_deployment(deploymentId=i)["deploymentInfo"]
                    for i in ids["deployments"]
                ]
        return found

    def autoscaling(self) -> list[tuple[str, int, int, tuple[str, ...]]]:
        """Scalable ECS services: (resource id, min, max, policy names)."""
        targets = self.scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
        policies = self.scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        return sorted(
            (
                t["ResourceId"],
                t["MinCapacity"],
                t["MaxCapacity"],
                tuple(sorted(p["PolicyName"] for p in policies if p["ResourceId"] == t["ResourceId"])),
            )
            for t in targets
        )


def _weights(actions: list[dict[str, Any]]) -> dict[str, int]:
    for action in actions:
        groups = action.get("ForwardConfig", {}).get("TargetGroups") or (
            [{"TargetGroupArn": action["TargetGroupArn"]}] if action.get("TargetGroupArn") else []
        )
        if action.get("Type") == "forward":
            return {g["TargetGroupArn"].split("/")[-2]: int(g.get("Weight", 1)) for g in groups}
    return {}


def settle(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, timeout: float = 60.0) -> None:
    """Wait until ECS is idle and every CodeDeploy deployment has ended or waits Ready (a canary)."""
    sandbox.wait_idle()
    read = ClusterState(sandbox, sample)
    deadline = time.monotonic() + timeout
    while any(
        d["status"] in ACTIVE_DEPLOYMENT and d["status"] != "Ready"
        for infos in read.deployments().values()
        for d in infos
    ):
        assert time.monotonic() < deadline, "a CodeDeploy deployment is still moving"
        time.sleep(0.05)
    sandbox.wait_idle()


def snapshot(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """What a job leaves, comparable between two runs: revisions, services, task sets, tasks, routing, …"""
    read = ClusterState(sandbox, sample)
    services = {
        s["serviceName"]: {
            "status": s["status"],
            "desired": s["desiredCount"],
            "task definition": stable(s.get("taskDefinition", "")),
            "tags": _tags(s.get("tags", [])),
            "deployments": sorted(
                (d["status"], stable(d["taskDefinition"]), d.get("rolloutState", ""))
                for d in s["deployments"]
            ),
            "task sets": sorted(
                (t["status"], stable(t["taskDefinition"]), t["scale"]["value"], t.get("externalId", ""))
                for t in s.get("taskSets", [])
            ),
        }
        for s in read.services()
    }
    deployments = {
        group: sorted(Counter(d["status"] for d in infos).items())
        for group, infos in read.deployments().items()
    }
    return {
        "revisions": {arn: tags for arn, (_, tags) in sorted(read.revisions().items())},
        "services": services,
        "tasks": sorted(
            Counter(
                (t["group"], stable(t["taskDefinitionArn"]), stable(t.get("startedBy", "")))
                for t in read.running_tasks()
            ).items()
        ),
        "target groups": {g["TargetGroupName"]: g["Tags"] for g in read.target_groups()},
        "forwards": read.forwards(),
        "deployments": deployments,
        "autoscaling": read.autoscaling(),
    }


def orphans(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> list[str]:
    """What nothing accounts for: duplicate revisions, tasks, task sets, target groups and deployments."""
    read = ClusterState(sandbox, sample)
    services = read.services()
    found = _duplicate_revisions(read.revisions())
    live_sets = {t["id"]: s for s in services for t in s.get("taskSets", []) if t["status"] != "DRAINING"}
    deployments = {d["id"] for s in services if s["status"] == "ACTIVE" for d in s["deployments"]}
    canary_groups = {
        f"ci-ecs-canary:{s['serviceName']}"
        for s in services
        if _tag(s, state.CANARY_MODE) == "task" and s["status"] == "ACTIVE"
    }
    for task in read.running_tasks():
        by = task.get("startedBy", "")
        if (
            by in live_sets
            or by in deployments
            or (by == CANARY_STARTED_BY and task["group"] in canary_groups)
        ):
            continue
        found.append(f"task {task['taskArn'].rsplit('/', 1)[-1]} ({task['group']}, started by {by})")
    deployments_by_group = read.deployments()
    for service in services:
        found += _stray_task_sets(service, deployments_by_group)
    used = _used_target_groups(services, read.forwards())
    found += [
        f"target group {g['TargetGroupName']}"
        for g in read.target_groups()
        if g["Tags"] and g["TargetGroupName"] not in used  # ci-ecs tags every target group it makes
    ]
    tagged = {_tag(s, state.CODEDEPLOY_DEPLOYMENT) for s in services}
    for group, infos in deployments_by_group.items():
        found += [
            f"deployment {d['deploymentId']} ({d['status']}) of {group}"
            for d in infos
            if d["status"] in ACTIVE_DEPLOYMENT and d["deploymentId"] not in tagged
        ]
    return found


def _tag(service: dict[str, Any], key: str) -> str:
    return next((t["value"] for t in service.get("tags", []) if t["key"] == key), "")


def _duplicate_revisions(revisions: dict[str, tuple[dict[str, Any], dict[str, str]]]) -> list[str]:
    """Revisions of one family identical in content and tags to an older one (a create made twice)."""
    first: dict[str, str] = {}
    found = []
    for arn, (definition, tags) in sorted(revisions.items(), key=lambda item: _revision_order(item[0])):
        key = json.dumps([definition, tags], sort_keys=True, default=str)
        if key in first:
            found.append(f"revision {arn} (the same as {first[key]})")
        else:
            first[key] = arn
    return found


def _revision_order(short_arn: str) -> tuple[str, int]:
    family, revision = short_arn.rsplit(":", 1)
    return family, int(revision)


def _stray_task_sets(service: dict[str, Any], deployments: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Task sets neither PRIMARY, nor the recorded canary, nor part of an active CodeDeploy deployment."""
    canary = _tag(service, state.CANARY_TASK_SET)
    deploying = any(
        d["status"] in ACTIVE_DEPLOYMENT
        for infos in deployments.values()
        for d in infos
        if d["deploymentId"] == _tag(service, state.CODEDEPLOY_DEPLOYMENT)
    )
    return [
        f"task set {t['id']} of {service['serviceName']} ({t['status']})"
        for t in service.get("taskSets", [])
        if t["status"] not in ("PRIMARY", "DRAINING") and t["id"] != canary and not deploying
    ]


def _used_target_groups(services: list[dict[str, Any]], forwards: dict[str, dict[str, int]]) -> set[str]:
    """Target group names a listener forwards to or a live service or task set registers in."""
    used = {name for weights in forwards.values() for name in weights}
    for service in services:
        if service["status"] != "ACTIVE":
            continue
        balancers = list(service.get("loadBalancers", []))
        balancers += [b for t in service.get("taskSets", []) for b in t.get("loadBalancers", [])]
        used |= {b["targetGroupArn"].split("/")[-2] for b in balancers if b.get("targetGroupArn")}
    return used
