"""What a job can change in the sandbox, in a form two moments can be compared by (no ids, no times)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

# Tags whose values are moments, not state.
_MOMENTS = ("ci-ecs:deployed-at", "ci-ecs:canary-started-at", "ci-ecs:failed-at", "ci-ecs:obsolete")


def _tags(tags: list[dict[str, str]]) -> dict[str, str]:
    return {
        t["key"]: ("set" if t["key"] in _MOMENTS else t["value"])
        for t in tags
        if t["key"].startswith("ci-ecs:")
    }


def snapshot(sandbox: sandboxes.Sandbox) -> dict[str, Any]:
    """Services (count, revision, ci-ecs tags, task sets), running tasks by group and revision, target groups
    (healthy targets), every listener rule's forwards, task-definition revisions, autoscaling targets."""
    ecs, elbv2 = client(sandbox, "ecs"), client(sandbox, "elbv2")
    arns = ecs.list_services(cluster="demo")["serviceArns"]
    services = []
    for start in range(0, len(arns), 10):
        found = ecs.describe_services(cluster="demo", services=arns[start : start + 10], include=["TAGS"])
        services += [s for s in found["services"] if s["status"] == "ACTIVE"]
    tasks = ecs.list_tasks(cluster="demo", desiredStatus="RUNNING")["taskArns"]
    described = ecs.describe_tasks(cluster="demo", tasks=tasks)["tasks"] if tasks else []
    groups = elbv2.describe_target_groups()["TargetGroups"]
    rules = {}
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                forward = next((a for a in rule["Actions"] if a["Type"] == "forward"), None)
                weights = (forward or {}).get("ForwardConfig", {}).get("TargetGroups", [])
                name = f"{balancer['LoadBalancerName']}:{listener['Port']}:{rule['Priority']}"
                # As traffic sees it: {blue: 1} and {blue: 100, green: 0} both send everything to blue.
                total = sum(g.get("Weight", 1) for g in weights) or 1
                rules[name] = {
                    g["TargetGroupArn"].split("/")[-2]: round(g.get("Weight", 1) / total, 3)
                    for g in weights
                    if g.get("Weight", 1)
                }
    families = ecs.list_task_definitions()["taskDefinitionArns"]
    scalable = client(sandbox, "application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")
    return {
        "services": {
            s["serviceName"]: {
                "desired": s["desiredCount"],
                "revision": s.get("taskDefinition", "").split("/")[-1],
                "tags": _tags(s.get("tags", [])),
                "task_sets": sorted(
                    (t["status"], t["taskDefinition"].split("/")[-1]) for t in s.get("taskSets", [])
                ),
            }
            for s in services
        },
        "tasks": dict(
            Counter((t.get("group", ""), t["taskDefinitionArn"].split("/")[-1]) for t in described)
        ),
        "target_groups": {
            g["TargetGroupName"]: sum(
                d["TargetHealth"]["State"] == "healthy"
                for d in elbv2.describe_target_health(TargetGroupArn=g["TargetGroupArn"])[
                    "TargetHealthDescriptions"
                ]
            )
            for g in groups
        },
        "rules": rules,
        "revisions": sorted(a.split("/")[-1] for a in families),
        "scalable": sorted(t["ResourceId"] for t in scalable["ScalableTargets"]),
    }


def settled(sandbox: sandboxes.Sandbox, timeout: float = 120.0) -> None:
    """Until the simulated rollouts are done and no CodeDeploy deployment is under way."""
    sandbox.wait_idle()
    codedeploy = client(sandbox, "codedeploy")
    deadline = time.monotonic() + timeout
    for application in codedeploy.list_applications()["applications"]:
        for group in codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]:
            while codedeploy.list_deployments(
                applicationName=application,
                deploymentGroupName=group,
                includeOnlyStatuses=["Created", "Queued", "InProgress", "Baking", "Ready"],
            )["deployments"]:
                assert time.monotonic() < deadline, f"a CodeDeploy deployment of {group} never ended"
                time.sleep(0.1)
    sandbox.wait_idle()
