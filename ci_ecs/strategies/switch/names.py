"""Names of a version's service and target group in the `switch` technique, computed before any change."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ci_ecs.errors import ConfigError

TARGET_GROUP_LIMIT = 32  # ELB: at most 32 characters, letters, digits and hyphens
SERVICE_LIMIT = 255  # ECS: at most 255 letters, digits, hyphens and underscores
PREFIX_LIMIT = 23  # leaves room for `-`, one character of the version, `-` and the hash
_HASH = 6
_PREFIX = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_NOT_TARGET_GROUP = re.compile(r"[^A-Za-z0-9-]+")
_NOT_SERVICE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Names:
    """Where one version of a switch service lives."""

    version: str
    service: str
    target_group: str


def check_prefix(prefix: str, key: str = "switch.name_prefix") -> str:
    """The prefix itself, or ConfigError saying what target-group names allow."""
    if len(prefix) > PREFIX_LIMIT or not _PREFIX.fullmatch(prefix):
        raise ConfigError(
            f"{key}: {prefix!r} cannot start a target-group name — use 1–{PREFIX_LIMIT} letters, digits "
            "and hyphens, not starting or ending with a hyphen"
        )
    if prefix.lower().startswith("internal-"):
        raise ConfigError(f"{key}: target-group names cannot start with 'internal-'")
    return prefix


def names(base: str, prefix: str, version: str) -> Names:
    """The service `<base>-<version>` and target group `<prefix>-<version>`, shortened when needed."""
    if not version:
        raise ConfigError("image: the version to deploy is empty — pass --image REPO:TAG")
    check_prefix(prefix)
    return Names(
        version=version,
        service=fit(base, version, SERVICE_LIMIT, _NOT_SERVICE),
        target_group=fit(prefix, version, TARGET_GROUP_LIMIT, _NOT_TARGET_GROUP),
    )


def fit(head: str, version: str, limit: int, disallowed: re.Pattern[str]) -> str:
    """`<head>-<version>` when it is valid as is; else sanitised and truncated, with a hash of the version.

    The hash keeps two versions that sanitise or truncate alike (`1.2` and `1-2`) apart, and the
    same version always gets the same name, so a re-run or a rollback finds what an earlier job made.
    """
    clean = disallowed.sub("-", version).strip("-")
    plain = f"{head}-{clean}"
    if clean == version and len(plain) <= limit:
        return plain
    digest = hashlib.sha256(version.encode()).hexdigest()[:_HASH]
    room = limit - len(head) - 2 - _HASH
    kept = clean[: max(room, 0)].strip("-")
    return f"{head}-{kept}-{digest}" if kept else f"{head}-{digest}"
