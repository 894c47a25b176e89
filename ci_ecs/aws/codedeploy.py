"""CodeDeploy calls for ECS blue/green: applications, deployment groups, deployments and their targets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError

if TYPE_CHECKING:
    from mypy_boto3_codedeploy.literals import DeploymentStatusType, DeploymentWaitTypeType
    from mypy_boto3_codedeploy.type_defs import RevisionLocationTypeDef

# Statuses of a deployment that has not ended; CodeDeploy allows one such deployment per group.
ACTIVE: tuple[DeploymentStatusType, ...] = ("Created", "Queued", "InProgress", "Baking", "Ready")
ENDED: tuple[DeploymentStatusType, ...] = ("Succeeded", "Failed", "Stopped")
_BATCH = 25  # BatchGetDeploymentTargets takes at most 25 target ids
_LIMIT = "DeploymentLimitExceededException"  # the group has an active deployment


def get_application(aws: Aws, name: str) -> dict[str, Any] | None:
    """The application, or None when it does not exist."""
    client = aws.client("codedeploy")
    doing = f"reading CodeDeploy application {name}"
    reply = call_unless(
        ("ApplicationDoesNotExistException",), doing, client.get_application, applicationName=name
    )
    return None if reply is None else dict(reply["application"])


def create_application(aws: Aws, name: str) -> str:
    """Create an ECS application; returns its id (an application created meanwhile is fine)."""
    client = aws.client("codedeploy")
    reply = call_unless(
        ("ApplicationAlreadyExistsException",),
        f"creating CodeDeploy application {name}",
        client.create_application,
        applicationName=name,
        computePlatform="ECS",
        tags=[{"Key": "created-by", "Value": "ci-ecs"}],
    )
    return "" if reply is None else str(reply.get("applicationId", ""))


def get_group(aws: Aws, application: str, group: str) -> dict[str, Any] | None:
    """The deployment group, or None when it (or its application) does not exist."""
    client = aws.client("codedeploy")
    reply = call_unless(
        ("DeploymentGroupDoesNotExistException", "ApplicationDoesNotExistException"),
        f"reading deployment group {group} of {application}",
        client.get_deployment_group,
        applicationName=application,
        deploymentGroupName=group,
    )
    return None if reply is None else dict(reply["deploymentGroupInfo"])


def get_deployment_config(aws: Aws, name: str) -> dict[str, Any] | None:
    """A deployment configuration (predefined or custom), or None when it does not exist."""
    client = aws.client("codedeploy")
    reply = call_unless(
        ("DeploymentConfigDoesNotExistException",),
        f"reading deployment configuration {name}",
        client.get_deployment_config,
        deploymentConfigName=name,
    )
    return None if reply is None else dict(reply["deploymentConfigInfo"])


def create_group(aws: Aws, params: Mapping[str, Any]) -> str:
    """Create a deployment group from complete CreateDeploymentGroup parameters; returns its id.

    '' when it exists already: made by this very call, whose reply was lost and which botocore sent again.
    """
    client = aws.client("codedeploy")
    name = f"deployment group {params['deploymentGroupName']} of {params['applicationName']}"
    reply = call_unless(
        ("DeploymentGroupAlreadyExistsException",),
        f"creating {name}",
        client.create_deployment_group,
        **params,
    )
    return "" if reply is None else str(reply.get("deploymentGroupId", ""))


def appspec_revision(appspec: Mapping[str, Any]) -> dict[str, Any]:
    """The RevisionLocation carrying an AppSpec as JSON content, with its SHA-256."""
    content = json.dumps(appspec, sort_keys=True, separators=(",", ":"))
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()},
    }


def appspec_of(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """The AppSpec a deployment was created with ({} when it is not AppSpec content we can read)."""
    content = deployment.get("revision", {}).get("appSpecContent", {}).get("content", "")
    try:
        found = json.loads(content) if content else {}
    except ValueError:
        return {}  # YAML written by another tool: the caller falls back to the service's tags
    return found if isinstance(found, dict) else {}


def create_deployment(
    aws: Aws, application: str, group: str, config: str, appspec: Mapping[str, Any], description: str
) -> str:
    """Start a deployment of an AppSpec; returns its id.

    When botocore sends the call again after a lost reply, CodeDeploy refuses it (one active deployment
    a group): the group's active deployment of this very revision is then the one that call started.
    """
    client = aws.client("codedeploy")
    revision = appspec_revision(appspec)
    try:
        reply = call(
            f"creating a deployment in {group} of {application}",
            client.create_deployment,
            applicationName=application,
            deploymentGroupName=group,
            deploymentConfigName=config,
            revision=cast("RevisionLocationTypeDef", revision),
            description=description[:100],
        )
    except AwsError as exc:
        started = _deploying(aws, application, group, revision) if exc.code == _LIMIT else None
        if started is None:
            raise
        return started
    return str(reply["deploymentId"])


def _deploying(aws: Aws, application: str, group: str, revision: Mapping[str, Any]) -> str | None:
    """The id of the group's active deployment of `revision` (AppSpec content), if any."""
    content = revision["appSpecContent"]["content"]
    for deployment_id in active_deployments(aws, application, group):
        info = get_deployment(aws, deployment_id)
        if info.get("revision", {}).get("appSpecContent", {}).get("content") == content:
            return deployment_id
    return None


def get_deployment(aws: Aws, deployment_id: str) -> dict[str, Any]:
    """A deployment's info: status, errorInformation, rollbackInfo, revision."""
    client = aws.client("codedeploy")
    reply = call(f"reading deployment {deployment_id}", client.get_deployment, deploymentId=deployment_id)
    return dict(reply["deploymentInfo"])


def active_deployments(aws: Aws, application: str, group: str) -> list[str]:
    """Ids of the group's deployments that have not ended (CodeDeploy allows one)."""
    client = aws.client("codedeploy")
    reply = call(
        f"listing the active deployments of {group}",
        client.list_deployments,
        applicationName=application,
        deploymentGroupName=group,
        includeOnlyStatuses=list(ACTIVE),
    )
    return [str(d) for d in reply.get("deployments", [])]


def continue_deployment(aws: Aws, deployment_id: str, wait_type: str = "READY_WAIT") -> bool:
    """Let a waiting deployment go on (READY_WAIT: shift traffic; TERMINATION_WAIT: remove blue now).

    False when it was not waiting any more (already continued or completed): a re-run is fine.
    """
    client = aws.client("codedeploy")
    reply = call_unless(
        ("DeploymentAlreadyCompletedException", "DeploymentIsNotInReadyStateException"),
        f"continuing deployment {deployment_id} ({wait_type})",
        client.continue_deployment,
        deploymentId=deployment_id,
        deploymentWaitType=cast("DeploymentWaitTypeType", wait_type),
    )
    return reply is not None


def stop_deployment(aws: Aws, deployment_id: str) -> str:
    """Stop a deployment with automatic rollback; returns CodeDeploy's status message ('' if it had ended)."""
    client = aws.client("codedeploy")
    reply = call_unless(
        ("DeploymentAlreadyCompletedException",),
        f"stopping deployment {deployment_id} with rollback",
        client.stop_deployment,
        deploymentId=deployment_id,
        autoRollbackEnabled=True,
    )
    return "" if reply is None else str(reply.get("statusMessage") or reply.get("status") or "stopping")


def target_ids(aws: Aws, deployment_id: str) -> list[str]:
    """The deployment's target ids (for ECS, one per service); [] before the deployment has started."""
    client = aws.client("codedeploy")
    reply = call_unless(
        ("DeploymentNotStartedException",),
        f"listing the targets of deployment {deployment_id}",
        client.list_deployment_targets,
        deploymentId=deployment_id,
    )
    return [] if reply is None else [str(t) for t in reply.get("targetIds", [])]


def ecs_targets(aws: Aws, deployment_id: str, ids: list[str]) -> list[dict[str, Any]]:
    """The ECS targets (lifecycle events, task sets with traffic weights), 25 ids a call."""
    client = aws.client("codedeploy")
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), _BATCH):
        reply = call(
            f"reading the targets of deployment {deployment_id}",
            client.batch_get_deployment_targets,
            deploymentId=deployment_id,
            targetIds=ids[start : start + _BATCH],
        )
        found += [dict(t["ecsTarget"]) for t in reply.get("deploymentTargets", []) if t.get("ecsTarget")]
    return found
