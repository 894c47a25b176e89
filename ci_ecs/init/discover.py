"""`ci-ecs init` reads the live service and what is wired around it, and drafts its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import discovery, ecs, elbv2
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import PreconditionError
from ci_ecs.iam_policy.target import Technique
from ci_ecs.init import infer
from ci_ecs.init.draft import Draft
from ci_ecs.init.infer import Rule
from ci_ecs.model import ImageRef
from ci_ecs.strategies import state
from ci_ecs.strategies.context import live_task_definition


def draft(
    aws: Aws, cluster: str, name: str, *, technique: Technique | None = None, container: str | None = None
) -> tuple[Draft, str]:
    """The service's configuration, and the image it runs now."""
    service = ecs.describe_service(aws, cluster, name)
    version = ecs.tags_of(service).get(state.VERSION)
    base = infer.switch_base(service, version) if technique in (None, "switch") else None
    chosen, why = infer.technique(service, technique, base)
    definition, _ = ecs.describe_task_definition(aws, live_task_definition(service))
    picked, picked_why = infer.container(definition, container, service)
    running = next(str(c["image"]) for c in definition["containerDefinitions"] if c["name"] == picked)
    image = ImageRef.parse(running)
    region = aws.client("ecs").meta.region_name
    configured = (base or name) if chosen == "switch" else name
    found = Draft(configured, cluster, region, chosen, why)
    found.add("region", region, "the region the service was found in")
    found.add("cluster", cluster)
    based = f"the base name of {name}: its versions are {configured}-<version>" if configured != name else ""
    found.add("service", configured, based)
    found.add("container", picked, picked_why)
    found.add("image", image.repository, f"the repository of {picked}'s image (it runs {running})")
    _technique_keys(aws, found, service, version)
    return found, running


def _technique_keys(aws: Aws, found: Draft, service: dict[str, Any], version: str | None) -> None:
    why = f"technique {found.technique}: {found.why}"
    if found.technique in ("rolling", "task", "service"):
        found.add("strategy", "rolling", why)
        if found.technique != "rolling":
            found.add("canary.mode", found.technique, "a canary beside the service for canary-deploy")
            found.add("canary.count", 1, "canary tasks")
        else:
            found.notes.append(
                "no canary: set canary.mode (task or service) for a canary-deploy job, or run init with "
                "--technique task"
            )
    elif found.technique == "taskset":
        _taskset(aws, found, service, why)
    elif found.technique == "codedeploy":
        _codedeploy(aws, found, service, why)
    elif found.technique == "switch":
        _switch(aws, found, service, version, why)
    else:
        found.add("strategy", "native", why)
        configuration = service.get("deploymentConfiguration") or {}
        said = False
        for key, value, reason in infer.native_entries(configuration):
            if key == "native.type":
                found.add(key, value, reason)
                continue
            note = "" if said else "as the service has them; a different value needs native.configure: true"
            found.add(key, value, note, commented=True)
            said = True


def _rules_around(aws: Aws, groups: list[str]) -> list[Rule]:
    """Every rule and listener default action on the load balancers of these target groups."""
    described = elbv2.describe_target_groups(aws, groups)
    balancers = dict.fromkeys(b for g in described.values() for b in g.get("LoadBalancerArns") or [])
    found: list[Rule] = []
    for balancer in balancers:
        for listener in discovery.listeners(aws, balancer):
            arn = str(listener["ListenerArn"])
            found.append(Rule(arn, "default", tuple(listener.get("DefaultActions") or [])))
            found += [
                Rule(
                    str(r["RuleArn"]),
                    str(r["Priority"]),
                    tuple(r.get("Actions") or []),
                    tuple(r.get("Conditions") or []),
                )
                for r in discovery.rules(aws, arn)
                if not r.get("IsDefault")
            ]
    return found


def _taskset(aws: Aws, found: Draft, service: dict[str, Any], why: str) -> None:
    primary = [t for t in service.get("taskSets") or [] if t.get("status") == "PRIMARY"]
    groups = (
        [str(b["targetGroupArn"]) for b in (primary[0].get("loadBalancers") or []) if primary]
        if primary
        else []
    )
    if not groups:
        raise PreconditionError(
            f"service {service['serviceName']} has no PRIMARY task set behind a target group: a canary task "
            "set needs one to stand beside — create it"
        )
    canary, rules = infer.weighted_rules(groups[0], _rules_around(aws, groups))
    found.add("canary.mode", "taskset", why)
    found.add("canary.target_group", canary, "forwarded to beside the primary task set's target group")
    found.add("canary.listener_rules", rules, "the rules whose weights a canary moves")


def _codedeploy(aws: Aws, found: Draft, service: dict[str, Any], why: str) -> None:
    found.add("strategy", "codedeploy", why)
    name, cluster = service["serviceName"], str(service.get("clusterArn", found.cluster)).rsplit("/", 1)[-1]
    groups = [
        g
        for g in discovery.codedeploy_groups(aws)
        if any(
            s.get("serviceName") == name and s.get("clusterName") == cluster
            for s in g.get("ecsServices") or []
        )
    ]
    if groups:
        group = groups[0]
        found.add(
            "codedeploy.application", group["applicationName"], "the deployment group deploying the service"
        )
        found.add("codedeploy.deployment_group", group["deploymentGroupName"])
        found.add("codedeploy.config", group.get("deploymentConfigName", "CodeDeployDefault.ECSAllAtOnce"))
        return
    _codedeploy_to_create(aws, found, service)


def _codedeploy_to_create(aws: Aws, found: Draft, service: dict[str, Any]) -> None:
    found.add(
        "codedeploy.application",
        f"AppECS-{found.cluster}-{found.service}",
        "no deployment group deploys the service yet: the first canary-deploy creates this one",
        commented=True,
    )
    roles = discovery.roles_assumed_by(aws, "codedeploy.amazonaws.com")
    if len(roles) == 1:
        found.add("codedeploy.service_role", roles[0], "the one role CodeDeploy may assume")
    else:
        found.notes.append(
            f"codedeploy.service_role: {len(roles)} roles trust codedeploy.amazonaws.com — set the one to use"
        )
    blue = [str(b["targetGroupArn"]) for b in service.get("loadBalancers") or [] if b.get("targetGroupArn")]
    if not blue:
        return
    described = elbv2.describe_target_groups(aws, blue[:1])[blue[0]]
    green = infer.green_group(described, discovery.target_groups(aws))
    if green is None:
        found.notes.append(
            f"codedeploy.target_groups: no unused target group like {elbv2.target_group_name(blue[0])} "
            "found for green — create one and add it"
        )
    else:
        found.add(
            "codedeploy.target_groups",
            [blue[0], green],
            "the service's (blue) and an unused one like it (green)",
        )
    listeners = _forwarding_listeners(aws, described, blue[0])
    if listeners:
        found.add(
            "codedeploy.production_listener",
            listeners[0][1],
            f"the listener (port {listeners[0][0]}) forwarding to {elbv2.target_group_name(blue[0])}",
        )
    if len(listeners) > 1:
        found.add(
            "codedeploy.test_listener",
            listeners[1][1],
            f"the next one forwarding there (port {listeners[1][0]})",
        )


def _forwarding_listeners(aws: Aws, group: Mapping[str, Any], arn: str) -> list[tuple[int, str]]:
    """(port, ARN) of the listeners whose default action forwards only to the target group, by port."""
    found = [
        (int(listener.get("Port", 0)), str(listener["ListenerArn"]))
        for balancer in group.get("LoadBalancerArns") or []
        for listener in discovery.listeners(aws, str(balancer))
        if set(elbv2.weights_of(list(listener.get("DefaultActions") or []))) == {arn}
    ]
    return sorted(found)


def _switch(aws: Aws, found: Draft, service: dict[str, Any], version: str | None, why: str) -> None:
    found.add("strategy", "switch", why)
    groups = [str(b["targetGroupArn"]) for b in service.get("loadBalancers") or [] if b.get("targetGroupArn")]
    if not groups:
        raise PreconditionError(
            f"service {service['serviceName']} has no target group: a switch moves listener rules between "
            "versions' target groups"
        )
    rules = _rules_around(aws, groups)
    routes = [(*infer.switch_route(g, rules), infer.name_prefix(g, version)) for g in groups]
    if len(routes) == 1:
        public, preparing, prefix = routes[0]
        found.add(
            "switch.public_rule",
            public,
            "of the two rules forwarding to the service's target group, the one real users reach",
        )
        found.add("switch.preparing_rule", preparing, "and the one for verifying a prepared version")
        found.add(
            "switch.name_prefix",
            prefix,
            "its target groups are <prefix>-<version>",
            commented=prefix == found.service,
        )
        return
    found.add(
        "switch.routes",
        [{"public_rule": p, "preparing_rule": r, "name_prefix": n} for p, r, n in routes],
        "one route per load balancer of the service, in its order",
    )
