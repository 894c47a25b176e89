"""Ending a service deployment early: a rollback (traffic back FIRST, then the target's tasks go) or a stop.

ECS Developer Guide, *Amazon ECS blue/green deployments* (rollback reroutes traffic to the blue revision),
*Stopping Amazon ECS service deployments*; API *ServiceDeployment* (`rollback`, `stoppedAt`: "the rollback
option is not in use for the failure detection mechanism … and the service fails").
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow

from ci_ecs.sandbox.ecs import events
from ci_ecs.sandbox.ecs.native import keeper, routing
from ci_ecs.sandbox.ecs.native.model import Deployment
from ci_ecs.sandbox.state import RUNTIME


def fail(deployment: Deployment, reason: str, rollback: bool) -> None:
    """The deployment failed: roll back when asked to (and possible), else stop where it is."""
    if rollback:
        request(deployment, reason)
    else:
        stop(deployment, reason)


def request(deployment: Deployment, reason: str) -> None:
    """ROLLBACK_REQUESTED: the target stops growing; next tick traffic goes back to the source."""
    _fail_target(deployment, reason)
    if not deployment.sources:  # a first deployment has no revision to roll back to
        deployment.status = "ROLLBACK_FAILED"
        deployment.status_reason = f"{reason} There is no previous service revision to roll back to."
        deployment.finished_at = utcnow()
        deployment.touch()
        return
    deployment.status, deployment.status_reason, deployment.since = "ROLLBACK_REQUESTED", reason, RUNTIME.now
    deployment.rollback = {
        "reason": reason,
        "startedAt": utcnow(),
        "serviceRevisionArn": deployment.sources[0].arn,
    }
    deployment.touch()
    events.add(deployment.service, f"(service-deployment {deployment.arn}) rollback requested: {reason}")


def advance(deployment: Deployment) -> None:
    """Traffic back to the source revision FIRST; then its tasks are the service's again and the
    target's are stopped; ROLLBACK_SUCCESSFUL once they are gone."""
    service = deployment.service
    if deployment.status == "ROLLBACK_REQUESTED":
        account, region = service._account_id, service.region_name
        for pair in deployment.pairs:
            for rule in (pair.production_rule, pair.test_rule):
                if pair.source_group != pair.target_group:
                    routing.route(account, region, rule, pair.source_group, pair.target_group, 0)
            events.add(
                service,
                f"(service-deployment {deployment.arn}) moved production traffic back to "
                f"(target-group {pair.source_group}).",
            )
        deployment.prod_weight = deployment.test_weight = 0.0
        _restore_source(deployment)
        deployment.target_wanted, deployment.source_wanted = False, True
        deployment.status, deployment.since = "ROLLBACK_IN_PROGRESS", RUNTIME.now
        deployment.touch()
    elif deployment.status == "ROLLBACK_IN_PROGRESS" and not keeper.alive_of(
        service, deployment.target.deployment_id
    ):
        deployment.status, deployment.finished_at = "ROLLBACK_SUCCESSFUL", utcnow()
        deployment.touch()
        events.add(service, f"(service-deployment {deployment.arn}) rollback completed.")


def stop(deployment: Deployment, reason: str) -> None:
    """STOP_REQUESTED: the deployment ends where it is (traffic and tasks stay as they are)."""
    _fail_target(deployment, reason)
    deployment.status, deployment.status_reason, deployment.since = "STOP_REQUESTED", reason, RUNTIME.now
    deployment.touch()


def finish_stop(deployment: Deployment) -> None:
    """STOP_REQUESTED → STOPPED one tick later."""
    now = utcnow()
    deployment.status, deployment.stopped_at, deployment.finished_at = "STOPPED", now, now
    deployment.touch()
    message = f"(service-deployment {deployment.arn}) stopped: {deployment.status_reason}"
    events.add(deployment.service, message)


def supersede(deployment: Deployment, newer: str) -> None:
    """A newer service deployment takes over: this one stops where it is."""
    now = utcnow()
    deployment.status, deployment.stopped_at, deployment.finished_at = "STOPPED", now, now
    deployment.status_reason = f"Stopped by the newer service deployment {newer}."
    deployment.touch()


def _fail_target(deployment: Deployment, reason: str) -> None:
    for ecs_deployment in deployment.service.deployments:
        mine = ecs_deployment["id"] == deployment.target.deployment_id
        if mine and ecs_deployment["rolloutState"] != "FAILED":
            ecs_deployment["rolloutState"], ecs_deployment["rolloutStateReason"] = "FAILED", reason
            ecs_deployment["updatedAt"] = utcnow()
            events.add(deployment.service, f"(deployment {ecs_deployment['id']}) deployment failed: {reason}")


def _restore_source(deployment: Deployment) -> None:
    """The source revision's deployment is PRIMARY again, and its task definition the service's."""
    service, source = deployment.service, deployment.sources[0]
    found: dict[str, Any] | None = next(
        (d for d in service.deployments if d["id"] == source.deployment_id), None
    )
    now = utcnow()
    for ecs_deployment in service.deployments:
        if ecs_deployment["status"] == "PRIMARY":
            ecs_deployment["status"], ecs_deployment["updatedAt"] = "ACTIVE", now
    if found is not None:
        found["status"], found["updatedAt"] = "PRIMARY", now
        service.deployments.remove(found)
        service.deployments.insert(0, found)
    service.task_definition = source.task_definition
