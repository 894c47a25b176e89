"""A review environment's slug and the names, rule conditions and priority that follow from it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.settings.review import SLUG, ReviewSettings
from ci_ecs.strategies.switch.names import SERVICE_LIMIT, TARGET_GROUP_LIMIT, fit

SLUG_LIMIT = 63  # a DNS label: a host pattern `{slug}.review.example.com` stays a valid host name
PRIORITIES = range(1, 50001)  # ELB listener rule priorities
_HEAD_LIMIT = 20  # of a target-group name: leaves room for `-`, some of the slug and its hash
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PULL_REF = re.compile(r"refs/pull/(\d+)/")


@dataclass(frozen=True)
class Names:
    """Where one review environment lives."""

    slug: str
    service: str  # <service>-<slug>
    target_group: str  # <service>-<slug>, at most 32 characters


def clean(text: str) -> str:
    """Lowercase letters, digits and single hyphens; at most 63 characters."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:SLUG_LIMIT].strip("-")


def slug_of(environment: str | None, env: Mapping[str, str]) -> str:
    """The slug: the environment's name after its first `/` (`review/feature-x` → `feature-x`), else
    `pr-<number>` of a GitHub pull request, else the environment's name."""
    name = environment or ""
    if "/" in name:
        name = name.split("/", 1)[1]
    else:
        pull = _PULL_REF.match(env.get("GITHUB_REF", ""))
        if pull and env.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
            name = f"pr-{pull.group(1)}"
    slug = clean(name)
    if not slug:
        raise ConfigError(
            "environment: a review environment needs a name to make its slug from — pass "
            "--environment review/<branch> (GitLab: `environment: name: review/$CI_COMMIT_REF_SLUG`)"
        )
    return slug


def head(service: str) -> str:
    """What every review target group's name of the service starts with (before `-<slug>`)."""
    return service[:_HEAD_LIMIT].strip("-_").replace("_", "-")


def names(service: str, slug: str) -> Names:
    """The service and target group `<service>-<slug>`, shortened with a hash where need be."""
    return Names(
        slug=slug,
        service=fit(service, slug, SERVICE_LIMIT, _NOT_SLUG),
        target_group=fit(head(service), slug, TARGET_GROUP_LIMIT, _NOT_SLUG),
    )


def conditions(review: ReviewSettings, slug: str) -> list[dict[str, Any]]:
    """The review rule's condition: its host, or its path pattern."""
    if review.host:
        host = review.host.replace(SLUG, slug)
        return [{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}]
    path = review.path.replace(SLUG, slug)
    return [{"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}}]


def url(review: ReviewSettings, slug: str, protocol: str, port: int, dns_name: str) -> str:
    """Where the review environment answers: its host, or the load balancer's name and its path."""
    scheme = protocol.lower() if protocol.upper() in ("HTTP", "HTTPS") else "http"
    default = {"http": 80, "https": 443}[scheme]
    at = "" if port == default else f":{port}"
    if review.host:
        return f"{scheme}://{review.host.replace(SLUG, slug)}{at}/"
    path = review.path.replace(SLUG, slug).split("*", 1)[0].split("?", 1)[0]
    return f"{scheme}://{dns_name}{at}{path if path.endswith('/') else path + '/'}"


def lowest_free(taken: Iterable[str | int]) -> int:
    """The lowest listener-rule priority no rule has (`default` is no number)."""
    used = {int(p) for p in taken if str(p).isdigit()}
    for priority in PRIORITIES:
        if priority not in used:
            return priority
    raise PreconditionError("review.listener: every rule priority (1–50000) of the listener is taken")
