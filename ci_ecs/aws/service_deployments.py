"""ECS service deployments (native blue/green, linear, canary): describe, list, stop, continue, revisions."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.aws.ecs import short_arn
from ci_ecs.errors import AwsError

# A deployment in one of these has not ended: ECS still moves traffic or tasks.
UNDER_WAY = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
ENDED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


def describe(aws: Aws, arn: str) -> dict[str, Any]:
    """One service deployment as ECS describes it ({} when ECS does not know it)."""
    ecs = aws.client("ecs")
    reply = call(
        f"describing service deployment {short_arn(arn)}",
        ecs.describe_service_deployments,
        serviceDeploymentArns=[arn],
    )
    found = reply.get("serviceDeployments", [])
    return dict(found[0]) if found else {}


def under_way(aws: Aws, cluster: str, service: str) -> list[str]:
    """The service's deployments that have not ended, newest first (ARNs)."""
    ecs = aws.client("ecs")
    reply = call(
        f"listing the service deployments of {service}",
        ecs.list_service_deployments,
        cluster=cluster,
        service=service,
        status=list(UNDER_WAY),  # type: ignore[arg-type]  # the stubs' literal list of statuses
    )
    briefs = sorted(reply.get("serviceDeployments", []), key=lambda b: b.get("createdAt", 0), reverse=True)
    return [str(b["serviceDeploymentArn"]) for b in briefs]


def task_definitions(aws: Aws, revision_arns: list[str]) -> dict[str, str]:
    """Service revision ARN → the task definition it runs (revisions ECS does not know are left out)."""
    ecs = aws.client("ecs")
    reply = call(
        f"describing service revisions {', '.join(short_arn(arn) for arn in revision_arns)}",
        ecs.describe_service_revisions,
        serviceRevisionArns=revision_arns,
    )
    found = reply.get("serviceRevisions", [])
    return {str(r.get("serviceRevisionArn", "")): str(r.get("taskDefinition", "")) for r in found}


def stop(aws: Aws, arn: str) -> bool:
    """Stop a deployment with rollback; False when it had already ended (nothing to stop)."""
    ecs = aws.client("ecs")
    stopped = call_unless(
        ("ConflictException",),
        f"stopping service deployment {short_arn(arn)} with rollback",
        ecs.stop_service_deployment,
        serviceDeploymentArn=arn,
        stopType="ROLLBACK",
    )
    return stopped is not None


def resume(aws: Aws, arn: str, hook_id: str, action: str) -> bool:
    """Answer a pause: CONTINUE or ROLLBACK; False when the hook no longer waits (answered or timed out)."""
    ecs = aws.client("ecs")
    try:
        call(
            f"answering the pause {hook_id} of service deployment {short_arn(arn)} with {action}",
            ecs.continue_service_deployment,
            serviceDeploymentArn=arn,
            hookId=hook_id,
            action=action,  # type: ignore[arg-type]  # CONTINUE or ROLLBACK, checked by our callers
        )
    except AwsError as exc:
        # The hook may have been answered meanwhile (by another job, a person, its timeout): ask ECS.
        if exc.code not in ("InvalidParameterException", "ClientException", "ConflictException"):
            raise
        hooks = describe(aws, arn).get("lifecycleHookDetails", [])
        if any(h.get("hookId") == hook_id and h.get("status") == "AWAITING_ACTION" for h in hooks):
            raise
        return False
    return True
