"""ECS calls: services, task definitions, tasks and tags."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ci_ecs.aws import idempotency, launches
from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError, AwsPreconditionError, PreconditionError

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import (
        DeploymentConfigurationTypeDef,
        ListServicesRequestTypeDef,
        UpdateServiceRequestTypeDef,
    )

CLOCK_SKEW = 300.0  # seconds AWS's clock (registeredAt) may be behind ours


def describe_service(aws: Aws, cluster: str, service: str) -> dict[str, Any]:
    """The ACTIVE service with its tags; PreconditionError when missing or not active."""
    where = _where(aws, cluster, service)
    found = _described(aws, cluster, service)
    if found is None:
        raise PreconditionError(f"service: {where} not found — check `service:` and `cluster:`")
    if found.get("status") != "ACTIVE":
        raise PreconditionError(f"service: {where} is {found.get('status')}, not ACTIVE")
    return found


def find_service(aws: Aws, cluster: str, service: str) -> dict[str, Any] | None:
    """The ACTIVE service, or None when it does not exist (or is being deleted)."""
    found = _described(aws, cluster, service)
    return found if found is not None and found.get("status") == "ACTIVE" else None


def _where(aws: Aws, cluster: str, service: str) -> str:
    """How messages name a service: with its cluster and region."""
    return f"service {service} in cluster {cluster} ({aws.client('ecs').meta.region_name})"


def _described(aws: Aws, cluster: str, service: str) -> dict[str, Any] | None:
    """The service with its tags whatever its status, or None when ECS does not know it."""
    ecs = aws.client("ecs")
    where = _where(aws, cluster, service)
    try:
        reply = call(
            f"describing {where}",
            ecs.describe_services,
            cluster=cluster,
            services=[service],
            include=["TAGS"],
        )
    except AwsError as exc:
        if exc.code == "ClusterNotFoundException":
            region = ecs.meta.region_name
            raise AwsPreconditionError(
                f"cluster: cluster {cluster} not found in {region} — check `cluster:` and `region:`", exc.code
            ) from exc
        raise
    for failure in reply.get("failures", []):
        if failure.get("reason") == "MISSING":
            return None
        raise PreconditionError(f"describing {where}: {failure.get('reason')} {failure.get('detail', '')}")
    services = reply.get("services", [])
    return dict(services[0]) if services else None


DESCRIBE_BATCH = 10  # services per DescribeServices call, ECS's limit


def describe_services(aws: Aws, cluster: str, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Services of one cluster by name, DESCRIBE_BATCH a call; a missing one is left out."""
    wanted, found = list(dict.fromkeys(names)), {}
    for start in range(0, len(wanted), DESCRIBE_BATCH):
        batch = wanted[start : start + DESCRIBE_BATCH]
        reply = call(
            f"describing services {', '.join(batch)} in cluster {cluster}",
            aws.client("ecs").describe_services,
            cluster=cluster,
            services=batch,
            include=["TAGS"],
        )
        found.update({str(s["serviceName"]): dict(s) for s in reply.get("services", [])})
    return found


def create_service(
    aws: Aws,
    like: Mapping[str, Any],
    name: str,
    task_definition_arn: str,
    count: int,
    tags: Mapping[str, str],
) -> dict[str, Any]:
    """A new service cloned from `like` (network, load balancers, launch type, platform), with these tags."""
    ecs = aws.client("ecs")
    params: dict[str, Any] = {
        "cluster": like["clusterArn"],
        "serviceName": name,
        "taskDefinition": task_definition_arn,
        "desiredCount": count,
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
    }
    keys = (
        "loadBalancers",
        "networkConfiguration",
        "launchType",
        "capacityProviderStrategy",
        "platformVersion",
        "deploymentConfiguration",
        "healthCheckGracePeriodSeconds",
        "enableECSManagedTags",
        "propagateTags",
    )
    params.update({key: like[key] for key in keys if like.get(key) not in (None, [], {})})
    if "capacityProviderStrategy" in params:
        params.pop("launchType", None)
    reply = call(f"creating service {name} like {like['serviceName']}", ecs.create_service, **params)
    launches.remember_service(aws, reply["service"])
    return dict(reply["service"])


def list_services(aws: Aws, cluster: str) -> list[dict[str, Any]]:
    """Every ACTIVE service of the cluster with its tags (describes batched by 10)."""
    ecs = aws.client("ecs")
    arns: list[str] = []
    listing: ListServicesRequestTypeDef = {"cluster": cluster, "maxResults": 100}
    while True:
        listed = call(f"listing services of cluster {cluster}", ecs.list_services, **listing)
        arns += listed.get("serviceArns", [])
        if not listed.get("nextToken"):
            break
        listing["nextToken"] = listed["nextToken"]
    found: list[dict[str, Any]] = []
    for start in range(0, len(arns), 10):
        batch = arns[start : start + 10]
        described = call(
            f"describing services of cluster {cluster}",
            ecs.describe_services,
            cluster=cluster,
            services=batch,
            include=["TAGS"],
        )
        found += [dict(s) for s in described.get("services", []) if s.get("status") == "ACTIVE"]
    return found


def delete_service(aws: Aws, service: Mapping[str, Any]) -> None:
    """Delete a service with whatever tasks it still runs; one already gone is fine."""
    ecs = aws.client("ecs")
    call_unless(
        ("ServiceNotFoundException", "ServiceNotActiveException"),
        f"deleting service {service['serviceName']}",
        ecs.delete_service,
        cluster=service["clusterArn"],
        service=service["serviceName"],
        force=True,
    )


def set_desired_count(aws: Aws, service: Mapping[str, Any], count: int) -> dict[str, Any]:
    """Scale a service (its deployment stays the same)."""
    ecs = aws.client("ecs")
    reply = call(
        f"scaling service {service['serviceName']} to {count}",
        ecs.update_service,
        cluster=service["clusterArn"],
        service=service["serviceName"],
        desiredCount=count,
    )
    return dict(reply["service"])


def describe_task_definition(aws: Aws, ref: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A task definition (family:revision or ARN) and its tags."""
    ecs = aws.client("ecs")
    reply = call(
        f"describing task definition {ref}",
        ecs.describe_task_definition,
        taskDefinition=ref,
        include=["TAGS"],
    )
    return dict(reply["taskDefinition"]), cast("list[dict[str, str]]", reply.get("tags", []))


def register_task_definition(aws: Aws, task_definition: Mapping[str, Any]) -> dict[str, Any]:
    """Register a revision; returns the registered task definition.

    Once: an attempt whose reply was lost may have registered it, so before trying again the newest
    revisions are searched for this very one (no client token exists for this call).
    """
    once = aws.client("ecs", retried=False)
    started = time.time()
    return call(
        f"registering a revision of task definition {task_definition.get('family')}",
        idempotency.create_once,
        lambda: dict(once.register_task_definition(**task_definition)["taskDefinition"]),
        lambda: registered(aws, task_definition, started - CLOCK_SKEW),
    )


def registered(aws: Aws, task_definition: Mapping[str, Any], since: float) -> dict[str, Any] | None:
    """The newest revision of the family that is `task_definition`, tags and all, registered since `since`.

    What an attempt whose reply was lost registered: identical content (AWS fills in defaults, so every
    value asked for must be there as asked), the same tags, and (where AWS says) registered just now.
    """
    wanted = {k: v for k, v in task_definition.items() if k != "tags"}
    tags = {(t["key"], t["value"]) for t in task_definition.get("tags", [])}
    for arn in revisions(aws, str(task_definition["family"]), limit=3):
        found, found_tags = describe_task_definition(aws, arn)
        at = found.get("registeredAt")
        same_tags = {(t["key"], t["value"]) for t in found_tags} == tags
        if (at is None or at.timestamp() >= since) and same_tags and idempotency.holds(found, wanted):
            return found
    return None


def update_service(
    aws: Aws,
    service: Mapping[str, Any],
    task_definition_arn: str,
    *,
    circuit_breaker: bool,
    desired_count: int | None = None,
    configuration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Point the service at a revision, keeping its deployment percentages, with the circuit breaker set.

    `configuration`: the whole deployment configuration to send instead (the circuit breaker as it says).
    """
    ecs = aws.client("ecs")
    current = service.get("deploymentConfiguration", {})
    if configuration is None:
        configuration = {
            key: current[key] for key in ("maximumPercent", "minimumHealthyPercent") if key in current
        }
        configuration["deploymentCircuitBreaker"] = {"enable": circuit_breaker, "rollback": circuit_breaker}
        if "alarms" in current:
            configuration["alarms"] = current["alarms"]
    params: UpdateServiceRequestTypeDef = {
        "cluster": service["clusterArn"],
        "service": service["serviceName"],
        "taskDefinition": task_definition_arn,
        "deploymentConfiguration": cast("DeploymentConfigurationTypeDef", configuration),
    }
    if desired_count is not None:
        params["desiredCount"] = desired_count
    doing = f"updating service {service['serviceName']} to {short_arn(task_definition_arn)}"
    reply = call(doing, ecs.update_service, **params)
    launches.remember_service(aws, reply["service"])
    return dict(reply["service"])


def tag(aws: Aws, arn: str, tags: Mapping[str, str]) -> None:
    """Set tags on a resource (overwriting keys that exist)."""
    ecs = aws.client("ecs")
    call(
        f"tagging {short_arn(arn)}",
        ecs.tag_resource,
        resourceArn=arn,
        tags=[{"key": k, "value": v} for k, v in tags.items()],
    )


def untag(aws: Aws, arn: str, keys: Iterable[str]) -> None:
    """Remove tags from a resource (absent keys are fine)."""
    keys = list(keys)
    if keys:
        ecs = aws.client("ecs")
        call(f"untagging {short_arn(arn)}", ecs.untag_resource, resourceArn=arn, tagKeys=keys)


def revisions(aws: Aws, family: str, limit: int = 100) -> list[str]:
    """The newest ACTIVE revisions of a task-definition family, newest first."""
    ecs = aws.client("ecs")
    reply = call(
        f"listing revisions of task definition {family}",
        ecs.list_task_definitions,
        familyPrefix=family,
        status="ACTIVE",
        sort="DESC",
        maxResults=limit,
    )
    return [arn for arn in reply.get("taskDefinitionArns", []) if short_arn(arn).rsplit(":", 1)[0] == family]


def primary_deployment(service: Mapping[str, Any]) -> dict[str, Any]:
    """The service's PRIMARY deployment ({} when it has none)."""
    for deployment in service.get("deployments", []):
        if deployment.get("status") == "PRIMARY":
            return dict(deployment)
    return {}


def tags_of(resource: Mapping[str, Any]) -> dict[str, str]:
    """A described resource's tags as a dict (ECS spells them key/value)."""
    return {t["key"]: t["value"] for t in resource.get("tags", []) if "key" in t}


def short_arn(arn: str) -> str:
    """`web:3` for a task-definition ARN, the last path part for others."""
    return arn.rsplit("/", 1)[-1]
