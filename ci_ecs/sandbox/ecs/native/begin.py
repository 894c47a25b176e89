"""A new service deployment of a BLUE_GREEN, LINEAR or CANARY service, made where ECS starts a deployment.

ECS Developer Guide, *View service history using Amazon ECS service deployments*: a service deployment
(`arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`) goes from the source
service revision(s) to a target revision; the service's `currentServiceDeployment` names it.
"""

from __future__ import annotations

import copy
from typing import Any

from ci_ecs.sandbox.ecs.native import monitors, plan, revisions, rollback
from ci_ecs.sandbox.ecs.native.model import (
    Deployment,
    Pair,
    Revision,
    active,
    deployments_of,
    random_id,
    service_prefix,
    strategy_of,
)


def begin(service: Any, ecs_deployment: dict[str, Any], before: list[dict[str, Any]]) -> Deployment:
    """The service deployment to the new ECS deployment's revision; `before`: the service's load
    balancers before the update (where the source revision runs)."""
    arn = f"{service_prefix(service, 'service-deployment')}/{random_id(21)}"
    previous = active(service)
    if previous is not None:
        rollback.supersede(previous, arn)
    others = [d for d in service.deployments if d["id"] != ecs_deployment["id"]]
    sources = _survivor_first([revisions.of_deployment(service, d, before) for d in others], before)
    balancers = list(service.load_balancers)
    target = revisions.create(
        service,
        ecs_deployment["id"],
        ecs_deployment["taskDefinition"],
        revisions.swapped(balancers) if sources else balancers,
    )
    config = copy.deepcopy(service.deployment_configuration or {})
    deployment = Deployment(
        arn=arn,
        service=service,
        strategy=strategy_of(service),
        config=config,
        target=target,
        sources=sources,
        pairs=_pairs(balancers, bool(sources)),
        plan=plan.build(config, has_source=bool(sources), reconcile=len(sources) > 1),
    )
    deployments_of(service).append(deployment)
    service.current_service_deployment = arn
    monitors.baseline(deployment)
    return deployment


def _survivor_first(sources: list[Revision], before: list[dict[str, Any]]) -> list[Revision]:
    """The revision that serves production (in the service's target group) first; then the others."""
    group = before[0].get("targetGroupArn") if before else None
    serving = [r for r in sources if r.load_balancers and r.load_balancers[0].get("targetGroupArn") == group]
    survivor = serving[0] if serving else None
    if survivor is None:
        return sources
    return [survivor, *(r for r in sources if r is not survivor)]


def _pairs(balancers: list[dict[str, Any]], has_source: bool) -> list[Pair]:
    pairs = []
    for lb in balancers:
        advanced, primary = lb.get("advancedConfiguration") or {}, lb.get("targetGroupArn")
        if not primary or not advanced.get("productionListenerRule"):
            continue
        alternate = str(advanced.get("alternateTargetGroupArn") or primary)
        pairs.append(
            Pair(
                source_group=str(primary),
                target_group=alternate if has_source else str(primary),
                production_rule=str(advanced["productionListenerRule"]),
                test_rule=advanced.get("testListenerRule"),
            )
        )
    return pairs
