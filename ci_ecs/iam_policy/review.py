"""The statements for review environments: their services, target groups and listener rules, and `stop`."""

from __future__ import annotations

from ci_ecs.iam_policy.target import ALL, Statement, Target, names, statement
from ci_ecs.review.names import head
from ci_ecs.settings import Settings

_ELB = "elasticloadbalancing"
_SERVICES = ("DescribeServices", "CreateService", "UpdateService", "DeleteService", "TagResource")


def statements(settings: Settings, target: Target) -> list[Statement]:
    """`<service>-*` services and target groups, and the rules of `review.listener` (found by their tags)."""
    cluster, service = names(settings)
    listener = settings.review.listener or target.arn(_ELB, "listener/app/<load-balancer>/<id>/<id>")
    rules = listener.replace(":listener/", ":listener-rule/", 1) + "/*"
    groups = target.arn(_ELB, f"targetgroup/{head(service)}-*/*")
    return [
        statement(
            "ReviewServices",
            [f"ecs:{a}" for a in _SERVICES],
            [target.arn("ecs", f"service/{cluster}/{service}-*")],
        ),
        statement("ReadReviewTags", [f"{_ELB}:DescribeTags"], [ALL]),
        statement("ReviewRules", [f"{_ELB}:{a}" for a in ("CreateRule", "AddTags")], [listener, rules]),
        statement("ChangeReviewRules", [f"{_ELB}:{a}" for a in ("ModifyRule", "DeleteRule")], [rules]),
        statement(
            "ReviewTargetGroups",
            [f"{_ELB}:{a}" for a in ("CreateTargetGroup", "DeleteTargetGroup", "AddTags")],
            [groups],
        ),
    ]
