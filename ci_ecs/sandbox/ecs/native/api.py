"""The ECS service-deployment actions moto 5.2.5 lacks (it answers them with an HTML 500).

API Reference: *ListServiceDeployments*, *DescribeServiceDeployments*, *DescribeServiceRevisions*,
*StopServiceDeployment*, *ContinueServiceDeployment*. Refusals use AWS's error codes; the messages are
the sandbox's wording.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ecs.exceptions import ECSException, InvalidParameterException

from ci_ecs.sandbox.ecs.native import describe, hooks, revisions, rollback
from ci_ecs.sandbox.ecs.native.model import Deployment, deployments_of, find_deployment, find_revision
from ci_ecs.sandbox.state import LOCK

MAX_ARNS = 20


def actions() -> dict[str, Any]:
    """EC2ContainerServiceResponse method name → wrapper factory (moto has none of these)."""
    return {
        "list_service_deployments": lambda original: list_service_deployments,
        "describe_service_deployments": lambda original: describe_service_deployments,
        "describe_service_revisions": lambda original: describe_service_revisions,
        "stop_service_deployment": lambda original: stop_service_deployment,
        "continue_service_deployment": lambda original: continue_service_deployment,
    }


def _not_found(arn: str) -> ECSException:
    return ECSException("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")


def _deployment(arn: str) -> Deployment:
    found = find_deployment(arn)
    if found is None:
        raise _not_found(arn)
    return found


def list_service_deployments(self: Any) -> ActionResult:
    with LOCK:
        cluster = self._get_param("cluster") or "default"
        service = self.ecs_backend._get_service(cluster, self._get_param("service"))
        statuses = set(self._get_param("status") or [])
        created = self._get_param("createdAt") or {}
        limit = self._get_param("maxResults")
        limit = 20 if limit is None else int(limit)
        if not 1 <= limit <= 100:
            raise InvalidParameterException("maxResults must be between 1 and 100.")
        found = [
            d
            for d in reversed(deployments_of(service))  # newest first
            if (not statuses or d.status in statuses) and _within(d.created_at, created)
        ]
        start = _offset(self._get_param("nextToken"))
        page = found[start : start + limit]
        result: dict[str, Any] = {"serviceDeployments": [describe.brief(d) for d in page]}
        if start + limit < len(found):
            result["nextToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return ActionResult(result)


def _within(when: datetime, created: dict[str, Any]) -> bool:
    before, after = created.get("before"), created.get("after")
    stamp = _millis(when)
    return (before is None or stamp < _millis(before)) and (after is None or stamp > _millis(after))


def _millis(value: Any) -> int:
    """Milliseconds since the epoch (the API's precision); moto's own times are naive UTC."""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return int(float(value) * 1000)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except ValueError as exc:
        raise InvalidParameterException("The nextToken is not valid.") from exc


def _arns(self: Any, member: str) -> list[str]:
    arns = [str(a) for a in self._get_param(member) or []]
    if not arns:
        raise InvalidParameterException(f"{member} must name at least one ARN.")
    if len(arns) > MAX_ARNS:
        raise InvalidParameterException(f"{member} can have at most {MAX_ARNS} ARNs, not {len(arns)}.")
    return arns


def _described(
    self: Any, member: str, key: str, find: Callable[[str], Any], shape: Callable[..., Any]
) -> ActionResult:
    """`key`: `shape` of what `find` finds for each ARN of `member`; `failures`: the ARNs it did not."""
    found, failures = [], []
    for arn in _arns(self, member):
        item = find(arn)
        if item is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            found.append(shape(*item) if isinstance(item, tuple) else shape(item))
    return ActionResult({key: found, "failures": failures})


def describe_service_deployments(self: Any) -> ActionResult:
    with LOCK:
        return _described(self, "serviceDeploymentArns", "serviceDeployments", find_deployment, describe.full)


def describe_service_revisions(self: Any) -> ActionResult:
    with LOCK:
        return _described(self, "serviceRevisionArns", "serviceRevisions", find_revision, revisions.describe)


def stop_service_deployment(self: Any) -> ActionResult:
    with LOCK:
        arn = str(self._get_param("serviceDeploymentArn"))
        deployment = _deployment(arn)
        stop_type = self._get_param("stopType") or "ROLLBACK"
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise InvalidParameterException(f"stopType must be ROLLBACK or ABORT, not {stop_type}.")
        if deployment.status not in ("PENDING", "IN_PROGRESS") or deployment.stage == "CLEAN_UP":
            raise ECSException(
                "ConflictException",
                f"The service deployment {arn} cannot be stopped: it is {deployment.status}"
                + (" and cleaning up." if deployment.status == "IN_PROGRESS" else "."),
            )
        if stop_type == "ROLLBACK":
            rollback.request(deployment, "Service deployment rolled back by StopServiceDeployment.")
        else:
            rollback.stop(deployment, "Service deployment stopped by StopServiceDeployment (ABORT).")
        return ActionResult({"serviceDeploymentArn": arn})


def continue_service_deployment(self: Any) -> ActionResult:
    with LOCK:
        arn, hook_id = str(self._get_param("serviceDeploymentArn")), str(self._get_param("hookId"))
        deployment = _deployment(arn)
        action = self._get_param("action") or "CONTINUE"
        if action not in ("CONTINUE", "ROLLBACK"):
            raise InvalidParameterException(f"action must be CONTINUE or ROLLBACK, not {action}.")
        run = hooks.find(deployment, hook_id)
        if run is None:
            raise InvalidParameterException(f"The lifecycle hook {hook_id} is not part of {arn}.")
        if deployment.status != "IN_PROGRESS":
            raise InvalidParameterException(
                f"The service deployment {arn} is {deployment.status}; only an IN_PROGRESS deployment "
                "can be continued."
            )
        if run.status != "AWAITING_ACTION":
            raise InvalidParameterException(
                f"The lifecycle hook {hook_id} is {run.status}; "
                "only a hook in AWAITING_ACTION can be acted on."
            )
        hooks.act(run, action)
        deployment.touch()
        if action == "ROLLBACK":
            rollback.request(
                deployment, f"Service deployment rolled back by ContinueServiceDeployment (hook {hook_id})."
            )
        return ActionResult({"serviceDeploymentArn": arn})
