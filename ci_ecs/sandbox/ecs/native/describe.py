"""Service deployments as the ECS API answers them (API *ServiceDeployment*, *ServiceDeploymentBrief*)."""

from __future__ import annotations

import copy
from typing import Any

from ci_ecs.sandbox.ecs.native import counts, hooks, monitors
from ci_ecs.sandbox.ecs.native.model import Deployment, Revision


def brief(deployment: Deployment) -> dict[str, Any]:
    """The ServiceDeploymentBrief shape (ListServiceDeployments)."""
    service = deployment.service
    return _drop_none(
        {
            "serviceDeploymentArn": deployment.arn,
            "serviceArn": service.arn,
            "clusterArn": service.cluster_arn,
            "startedAt": deployment.started_at,
            "createdAt": deployment.created_at,
            "finishedAt": deployment.finished_at,
            "targetServiceRevisionArn": deployment.target.arn,
            "status": deployment.status,
            "statusReason": deployment.status_reason,
        }
    )


def full(deployment: Deployment) -> dict[str, Any]:
    """The ServiceDeployment shape (DescribeServiceDeployments)."""
    found = brief(deployment)
    found.pop("targetServiceRevisionArn")
    target_share = (deployment.prod_weight, deployment.test_weight)
    sources = [
        _summary(deployment, r, deployment.source_wanted, _rest(target_share))
        if i == 0
        else _summary(deployment, r, False, (0, 0))
        for i, r in enumerate(deployment.sources)
    ]
    found.update(
        _drop_none(
            {
                "stoppedAt": deployment.stopped_at,
                "updatedAt": deployment.updated_at,
                "sourceServiceRevisions": sources,
                "targetServiceRevision": _summary(
                    deployment, deployment.target, deployment.target_wanted, target_share
                ),
                "lifecycleStage": deployment.stage,
                "lifecycleHookDetails": [hooks.detail(run) for run in deployment.hooks],
                "deploymentConfiguration": copy.deepcopy(deployment.config),
                "rollback": dict(deployment.rollback) if deployment.rollback else None,
                "deploymentCircuitBreaker": monitors.breaker_report(deployment),
                "alarms": monitors.alarms_report(deployment),
            }
        )
    )
    return found


def _rest(share: tuple[float, float]) -> tuple[float, float]:
    return 100.0 - share[0], 100.0 - share[1]


def _summary(
    deployment: Deployment, revision: Revision, requested: bool, weights: tuple[float, float]
) -> dict[str, Any]:
    """The ServiceRevisionSummary shape: requested/running/pending tasks and requested traffic weights."""
    running, pending = counts.of(deployment.service, revision.deployment_id)
    found: dict[str, Any] = {
        "arn": revision.arn,
        "requestedTaskCount": int(deployment.service.desired_count) if requested else 0,
        "runningTaskCount": running,
        "pendingTaskCount": pending,
    }
    if deployment.pairs:
        found["requestedProductionTrafficWeight"] = float(weights[0])
        found["requestedTestTrafficWeight"] = float(weights[1])
    return found


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
