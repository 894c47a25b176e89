"""What exists of review environments: one environment's rules, service and target group; all of a service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2, listener_rules
from ci_ecs.review.names import Names
from ci_ecs.settings import Settings
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context


@dataclass
class Found:
    """One review environment as found: every part may be missing (a job killed half-way)."""

    rules: list[dict[str, Any]] = field(default_factory=list)  # its rules (one, unless a create was repeated)
    service: dict[str, Any] | None = None  # the ACTIVE service
    group: dict[str, Any] | None = None  # its target group (tagged with its slug)
    stranger: str = ""  # a target group of its name that is not the environment's
    others: set[str] = field(default_factory=set)  # the slugs of the service's other review environments
    taken: list[str] = field(default_factory=list)  # every rule priority of the listener

    @property
    def exists(self) -> bool:
        """Whether anything of the environment is left."""
        return bool(self.rules or self.service or self.group)


def _ours(tags: dict[str, str], settings: Settings, slug: str) -> bool:
    return tags.get(state.REVIEW) == slug and tags.get(state.REVIEW_OF) == settings.service


def find(ctx: Context, names: Names) -> Found:
    """The environment's parts, the listener's priorities, and the service's other review environments."""
    s = ctx.settings
    found = Found()
    for rule in listener_rules.rules(ctx.aws, s.review.listener):
        found.taken.append(str(rule.get("Priority", "")))
        tags = rule["Tags"]
        if _ours(tags, s, names.slug):
            found.rules.append(rule)
        elif tags.get(state.REVIEW_OF) == s.service and tags.get(state.REVIEW):
            found.others.add(tags[state.REVIEW])
    found.service = ecs.find_service(ctx.aws, s.cluster, names.service)
    group = elbv2.find_target_group(ctx.aws, names.target_group)
    if group is not None:
        arn = str(group["TargetGroupArn"])
        if _ours(listener_rules.tags(ctx.aws, [arn]).get(arn, {}), s, names.slug):
            found.group = group
        else:
            found.stranger = arn
    return found
