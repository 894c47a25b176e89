"""Forward actions of listeners and rules as ELBv2 keeps them: weights 0–999, ForwardConfig always."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.elbv2.exceptions import ValidationError

from ci_ecs.sandbox.state import LOCK

MAX_WEIGHT = 999  # ELBv2 API TargetGroupTuple: "The range is 0 to 999."


def check_weights(actions: list[dict[str, Any]] | None, member: str) -> None:
    """Refuse a target group weight outside 0–999 the way the ELBv2 API validates its input."""
    for i, action in enumerate(actions or [], start=1):
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        for j, group in enumerate(groups, start=1):
            if "Weight" not in group:
                continue
            weight = int(group["Weight"])
            if 0 <= weight <= MAX_WEIGHT:
                continue
            bound = "greater than or equal to 0" if weight < 0 else f"less than or equal to {MAX_WEIGHT}"
            raise ValidationError(
                f"1 validation error detected: Value '{weight}' at "
                f"'{member}.{i}.member.forwardConfig.targetGroups.{j}.member.weight' "
                f"failed to satisfy constraint: Member must have value {bound}"
            )


def normalize(data: dict[str, Any]) -> None:
    """AWS returns a forward to one TargetGroupArn also as a ForwardConfig with that group at weight 1."""
    if data.get("Type") == "forward" and data.get("TargetGroupArn") and "ForwardConfig" not in data:
        data["ForwardConfig"] = {
            "TargetGroups": [{"TargetGroupArn": data["TargetGroupArn"], "Weight": 1}],
            "TargetGroupStickinessConfig": {"Enabled": False},
        }


def forward_weights(data: dict[str, Any]) -> list[tuple[str, int]]:
    """The (target group ARN, weight) pairs a forward action splits requests over."""
    groups = (data.get("ForwardConfig") or {}).get("TargetGroups") or []
    if groups:
        return [(str(g["TargetGroupArn"]), int(g.get("Weight", 1))) for g in groups]
    return [(str(data["TargetGroupArn"]), 1)] if data.get("TargetGroupArn") else []


def forward_action(actions: list[Any]) -> dict[str, Any] | None:
    """The data of a rule's forward action (after any authenticate actions), if it forwards."""
    return next((dict(a.data) for a in actions if a.type == "forward"), None)


def fake_action_init(original: Any) -> Any:
    def __init__(self: Any, data: dict[str, Any]) -> None:
        normalize(data)
        original(self, data)

    return __init__


def attach_balancers(backend: Any) -> None:
    """Each target group's load balancers: those whose listeners or rules forward to it.

    AWS keeps `LoadBalancerArns` so; moto adds a balancer only when a rule or listener is created, never
    when ModifyRule or ModifyListener forwards to a group (nor drops one that no longer does).
    """
    used: dict[str, set[str]] = {}
    for balancer in list(backend.load_balancers.values()):
        for listener in list(balancer.listeners.values()):
            actions = [*listener.default_actions, *(a for r in listener.rules.values() for a in r.actions)]
            for action in actions:
                if action.type == "forward":
                    for arn, _ in forward_weights(action.data):
                        used.setdefault(arn, set()).add(balancer.arn)
    for arn, group in list(backend.target_groups.items()):
        group.load_balancer_arns = sorted(used.get(arn, ()))


def checked(member: str, parameter: str) -> Callable[[Any], Any]:
    """Wrap an ELBV2Response action so that its `parameter` actions are validated first (and the target
    groups' load balancers kept as AWS keeps them after it)."""

    def make(original: Any) -> Any:
        def action(self: Any) -> Any:
            with LOCK:
                check_weights(self._get_params().get(parameter), member)
                reply = original(self)
                attach_balancers(self.elbv2_backend)
                return reply

        return action

    return make
