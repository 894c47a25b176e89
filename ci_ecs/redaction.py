"""What looks secret, and copies of data with it masked: no secret reaches the output (DESIGN.md §6.6)."""

from __future__ import annotations

import re
from typing import Any

MASK = "****"
SECRET_NAME = re.compile(
    r"password|passwd|secret|token|api[_-]?key|private[_-]?key|credential|auth|access[_-]?key|dsn"
    r"|connection[_-]?string",
    re.IGNORECASE,
)
SECRET_VALUE = re.compile(
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY"
    r"|[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"
    r"|\bgh[pousr]_[A-Za-z0-9]{36}|\bglpat-[A-Za-z0-9_-]{20}"
)


def looks_secret(name: str, value: str) -> bool:
    """Whether a named value must not be shown: a secret-sounding name, or a credential-shaped value."""
    if not value:
        return False
    if SECRET_VALUE.search(value):
        return True
    # An ARN points at a secret; it is not one, and seeing which one is useful.
    return bool(SECRET_NAME.search(name)) and not value.startswith("arn:")


def redact(node: Any, key: str = "") -> Any:
    """A copy of JSON-like data with secret-looking strings masked; `{name, value}` pairs judged by name."""
    if isinstance(node, dict):
        name = node.get("name")
        pair = isinstance(name, str) and isinstance(node.get("value"), str)
        return {
            k: MASK if pair and k == "value" and looks_secret(str(name), str(v)) else redact(v, str(k))
            for k, v in node.items()
        }
    if isinstance(node, list | tuple):
        return [redact(item, key) for item in node]
    return MASK if isinstance(node, str) and looks_secret(key, node) else node
