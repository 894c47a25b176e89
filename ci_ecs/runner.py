"""Runs a plan step by step: logs each step, undoes completed steps on failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from ci_ecs.errors import CiEcsError, DeploymentFailed, RollbackFailed
from ci_ecs.model import DeploymentRecord
from ci_ecs.output import Console


@dataclass(frozen=True)
class Step:
    """One named step; `run` returns a short result line. Read-only steps also run under --dry-run."""

    name: str
    run: Callable[[], str | None]
    undo: Callable[[], str | None] | None = None
    read_only: bool = False


@dataclass(frozen=True)
class Plan:
    """What a command will do, in order."""

    title: str
    steps: tuple[Step, ...]
    record: Callable[[str, str | None], DeploymentRecord] | None = None  # (status, reason) -> record


def run(plan: Plan, console: Console, *, dry_run: bool = False) -> None:
    """Run every step; on failure after a change, undo the completed steps in reverse order.

    Raises the step's error when nothing was changed yet; DeploymentFailed when the plan failed and
    was undone; RollbackFailed when an undo failed too.
    """
    done: list[Step] = []
    changed = False
    with console.section(plan.title + (" (dry run: nothing will be changed)" if dry_run else "")):
        for step in plan.steps:
            if dry_run and not step.read_only:
                console.step(f"would {step.name}")
                continue
            console.step(step.name)
            started = time.monotonic()
            try:
                result = step.run()
            except Exception as exc:
                if not changed:
                    raise
                # Something changed already: whatever went wrong (even a bug), put things back first.
                console.line(f"    failed: {exc}")
                _undo(done, console)
                if isinstance(exc, DeploymentFailed):
                    raise
                raise DeploymentFailed(f"{step.name}: {exc}") from exc
            if result:
                took = time.monotonic() - started
                console.line(f"    {result}" + (f" ({took:.1f}s)" if took >= 0.5 else ""))
            done.append(step)
            changed = changed or not step.read_only


def _undo(done: list[Step], console: Console) -> None:
    """Undo completed steps, newest first; any failure here means a person must look."""
    undoable = [s for s in reversed(done) if s.undo is not None]
    if not undoable:
        return
    with console.section("rolling back"):
        for step in undoable:
            assert step.undo is not None
            console.step(f"undo: {step.name}")
            try:
                result = step.undo()
            except CiEcsError as exc:
                raise RollbackFailed(f"undoing '{step.name}' failed: {exc} — a person must look") from exc
            if result:
                console.line(f"    {result}")


def execute(plan: Plan, console: Console, *, dry_run: bool = False) -> DeploymentRecord | None:
    """Run a plan and report its outcome: a closing summary, and the record as JSON with --output json."""
    started = time.monotonic()
    try:
        run(plan, console, dry_run=dry_run)
    except (DeploymentFailed, RollbackFailed) as exc:
        _report(plan, console, "failed", str(exc), time.monotonic() - started)
        raise
    if dry_run:
        console.line("dry run: nothing was changed")
        return None
    return _report(plan, console, "success", None, time.monotonic() - started)


def _report(
    plan: Plan, console: Console, status: str, reason: str | None, seconds: float
) -> DeploymentRecord | None:
    if plan.record is None:
        return None
    record = plan.record(status, reason)
    previous = f" (previous: {record.previous_version})" if record.previous_version else ""
    if record.details.get("rolled_back_from"):
        previous = f" (a rollback from {record.details['rolled_back_from']})"
    console.line(
        f"{record.command} {record.status}: {record.version} on {record.service} by {record.technique}"
        f"{previous} in {seconds:.0f}s"
    )
    calls = ", ".join(f"{name} {count}" for name, count in sorted(record.api_calls.items()))
    console.detail(f"AWS API calls: {sum(record.api_calls.values())} ({calls})")
    console.document({**asdict(record), "seconds": round(seconds, 1)})
    return record
