"""Every prerequisite of a technique checked read-only: named items, each ✓, ✗ with its fix, or unchecked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ci_ecs.errors import CiEcsError, ConfigError, PreconditionError
from ci_ecs.runner import Plan, Step

Status = Literal["ok", "failed", "not checked"]
MARKS: dict[Status, str] = {"ok": "✓", "failed": "✗", "not checked": "-"}


class NotChecked(Exception):
    """An item that could not be checked (not allowed to look, or it needs one that failed)."""


@dataclass(frozen=True)
class Result:
    """One item's outcome: what was found, or the problem and its fix."""

    name: str
    status: Status
    detail: str
    bad_input: bool = False  # failed on the configuration (exit 2), not on AWS

    def line(self) -> str:
        """`✓ name: detail`."""
        return f"{MARKS[self.status]} {self.name}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        """For `--output json`."""
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass(frozen=True)
class Item:
    """A named check returning what it found (CiEcsError: failed); `needs`: items that must pass first."""

    name: str
    check: Callable[[], str]
    needs: tuple[str, ...] = ()


class PreflightFailed(PreconditionError):
    """Some prerequisites are missing: exit 3 (2 when only the configuration is at fault)."""

    def __init__(self, failed: Sequence[Result]) -> None:
        super().__init__(
            f"{len(failed)} of the prerequisites failed (nothing was changed):\n"
            + "\n".join(r.line() for r in failed)
        )
        self.failed = tuple(failed)
        if all(r.bad_input for r in failed):
            self.exit_code = ConfigError.exit_code


def run(items: Sequence[Item]) -> list[Result]:
    """Run every item (all of them, not stopping at the first failure) in order."""
    results: dict[str, Result] = {}
    for item in items:
        blocked = [n for n in item.needs if n in results and results[n].status != "ok"]
        if blocked:
            results[item.name] = Result(item.name, "not checked", f"needs {' and '.join(blocked)}")
            continue
        results[item.name] = _outcome(item)
    return list(results.values())


def _outcome(item: Item) -> Result:
    try:
        return Result(item.name, "ok", item.check())
    except NotChecked as why:
        return Result(item.name, "not checked", str(why))
    except CiEcsError as exc:
        return Result(item.name, "failed", str(exc), bad_input=isinstance(exc, ConfigError))


def failed(results: Sequence[Result]) -> list[Result]:
    """The items that failed."""
    return [r for r in results if r.status == "failed"]


def require(results: Sequence[Result]) -> None:
    """PreflightFailed listing every failed item, if any failed."""
    bad = failed(results)
    if bad:
        raise PreflightFailed(bad)


def before_first_change(plan: Plan, step: Step) -> Plan:
    """The plan with `step` inserted just before its first step that changes something."""
    steps = list(plan.steps)
    first = next((n for n, s in enumerate(steps) if not s.read_only), len(steps))
    return dataclasses.replace(plan, steps=(*steps[:first], step, *steps[first:]))
