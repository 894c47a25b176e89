"""The configuration `ci-ecs init` writes: its keys in order, each with what it was inferred from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.iam_policy.target import Technique

_PLAIN = re.compile(r"[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


@dataclass(frozen=True)
class Entry:
    """One key of the file: its value, why it has it; `commented`: shown, left to its default."""

    key: str
    value: Any
    why: str = ""
    commented: bool = False


@dataclass
class Draft:
    """The configuration of one service: its technique and keys, and what the user must still see to."""

    service: str
    cluster: str
    region: str
    technique: Technique
    why: str
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, value: Any, why: str = "", *, commented: bool = False) -> None:
        """Append a key."""
        self.entries.append(Entry(key, value, why, commented))

    def text(self, header: str) -> str:
        """The YAML file, each key under a comment saying where its value came from."""
        lines = [f"# {line}" if line else "#" for line in header.splitlines()]
        real = {e.key.rpartition(".")[0] for e in self.entries if not e.commented}
        section = ""
        for entry in self.entries:
            group, _, name = entry.key.rpartition(".")
            indent = "  " if group else ""
            if group and group != section:
                lines.append(f"{group}:" if group in real else f"# {group}:")
            section = group
            if entry.why:
                lines.append(f"{indent}# {entry.why}")
            mark = "# " if entry.commented else ""
            if _mappings(entry.value):
                lines.append(f"{indent}{mark}{name}:")
                for item in entry.value:
                    for n, (key, value) in enumerate(item.items()):
                        lines.append(f"{indent}{mark}  {'- ' if n == 0 else '  '}{key}: {scalar(value)}")
                continue
            lines.append(f"{indent}{mark}{name}: {scalar(entry.value)}")
        return "\n".join(lines) + "\n"


def _mappings(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, dict) for v in value)


def scalar(value: Any) -> str:
    """A value as YAML on one line (a list in flow style)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    plain = _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS and not _number_like(text)
    return text if plain else json.dumps(text)


def _number_like(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
