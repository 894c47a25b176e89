"""A service of a `services:` job deployed by its own technique's plan, its steps named with the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ci_ecs.aws import ecs
from ci_ecs.model import DeploymentRecord, ServiceState, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.context import Context

# The technique plans' own image check: the job pins the image once for every service.
_CHECK_IMAGE = "check the image"


@dataclass
class Own:
    """One service, its plan, and how far the job got with it."""

    ctx: Context
    plan: Plan
    back: Callable[[Context], Plan] | None = None  # what puts it back once its plan completed (a deploy)
    changed: bool = False  # a step of it that changes something ran
    done: bool = False  # its plan completed
    put_back: bool = False  # `back` ran: its steps' own undos have nothing left to do

    @property
    def name(self) -> str:
        """The service as output names it (with its region when another service has its name)."""
        return self.ctx.settings.name

    def record(self, status: Status, reason: str | None) -> DeploymentRecord | None:
        """Its plan's record, as its own job would give it."""
        return self.plan.record(status, reason) if self.plan.record is not None else None


def own(ctx: Context, make: Callable[[Context], Plan], back: Callable[[Context], Plan] | None = None) -> Own:
    """The service (`ctx`: its own context) with the plan `make` gives it (`back`: see Own)."""
    return Own(ctx, make(ctx), back)


def _split(o: Own) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """Its plan's steps: the read-only ones it starts with (its image check left out), and the rest."""
    steps = o.plan.steps
    first = next((n for n, step in enumerate(steps) if not step.read_only), len(steps))
    return tuple(s for s in steps[:first] if s.name != _CHECK_IMAGE), steps[first:]


def inspection(o: Own) -> tuple[Step, ...]:
    """The steps that read before anything changes: the job runs them for every service first."""
    return tuple(_named(o, step) for step in _split(o)[0])


def changes(o: Own, keep: bool) -> tuple[Step, ...]:
    """The steps that change the service; with `keep`, their undos leave a service that completed.

    Once its plan completed, a technique's own undos cannot take the service back (a CodeDeploy deployment
    that succeeded, a switch that retired the old version): the last step's undo then runs `back`.
    """
    steps = _split(o)[1]
    return tuple(_named(o, step, last=n == len(steps) - 1, keep=keep) for n, step in enumerate(steps))


def _named(o: Own, step: Step, *, last: bool = False, keep: bool = False) -> Step:
    def run() -> str | None:
        o.changed = o.changed or not step.read_only
        result = step.run()
        o.done = o.done or last
        return result

    def undo() -> str | None:
        if keep and o.done:
            return "kept (on_failure: keep)"
        if o.put_back:
            return "put back by its rollback"
        if last and o.done and o.back is not None:
            return _put_back(o, o.back)
        return step.undo() if step.undo is not None else None

    undoable = step.undo is not None or (last and o.back is not None)
    return Step(f"{o.name}: {step.name}", run, undo if undoable else None, step.read_only)


def _put_back(o: Own, back: Callable[[Context], Plan]) -> str:
    """Run the service's rollback to the version it ran before this job, step by step."""
    plan = back(o.ctx)
    console = o.ctx.console
    for step in plan.steps:
        console.line(f"    {o.name}: {step.name}")
        result = step.run()
        if result:
            console.line(f"      {result}")
    o.put_back = True
    return f"{o.name} is back on the version it ran before"


def where(o: Own, status: Status, keep: bool, *, canary: bool = False) -> tuple[ServiceState, str]:
    """Where the service is at the end of the job, and which version that is in words (`canary`: of a
    canary-deploy)."""
    done: ServiceState = "canary" if canary else "deployed"
    record = o.record("success" if o.done else "failed", None)
    if record is None:
        return (done, "done") if o.done else ("not deployed", "not deployed")
    previous = record.previous_version or "the previous version"
    old = _at(previous, record.previous_task_definition or "")
    new = _at(record.version, record.task_definition)
    new = f"canary {new} beside {previous}" if canary else new
    if status == "success":
        return done, new
    if o.done and keep:
        return "kept", f"{new}, kept"
    if o.changed:
        return "rolled back", f"{old}, " + ("canary removed" if canary else "rolled back")
    return "not deployed", f"{old}, " + ("no canary started" if canary else "not deployed")


def _at(version: str, task_definition: str) -> str:
    """A version and its revision (when known)."""
    return f"{version} ({ecs.short_arn(task_definition)})" if task_definition else version
