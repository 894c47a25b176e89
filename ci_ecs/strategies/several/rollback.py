"""`rollback` of `services:`: every service back to its previous version, those that take traffic first."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ci_ecs.aws import ecs
from ci_ecs.checks.rollouts import by_place
from ci_ecs.errors import CiEcsError, DeploymentFailed, NothingToDo
from ci_ecs.model import UNCHANGED, DeploymentRecord, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.rolling import many
from ci_ecs.strategies.rolling.rollback import record_rollback, register_target
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.several import job, own
from ci_ecs.strategies.several.back import Back, each, inspect_members, unchanged, update_step, wait, where
from ci_ecs.strategies.several.job import Service, TechniqueOf
from ci_ecs.strategies.state import Moved

if TYPE_CHECKING:
    from ci_ecs.strategies.technique import Name, Technique


def plan(ctx: Context, to: str | None, technique_of: TechniqueOf) -> Plan:
    """Read the services (10 a call); then the rolling ones that take traffic go back at once, each
    other one that does by its technique's rollback, then the rest the same way; the rolling ones are
    followed together, and their rollback recorded. A service that fails to go back fails the job once
    the others went back (it is put back where it was, as its own rollback would)."""
    everyone = [(one, technique_of(one.settings)) for one in map(ctx.for_service, ctx.settings.services)]
    found = _read([one for one, (name, _) in everyone if name == "rolling"])
    backs = sorted(
        (_back(one, name, technique, found.get(_place(one)), to) for one, (name, technique) in everyone),
        key=lambda b: not b.traffic,
    )
    if not any(b.busy for b in backs):
        _nothing(backs)
    members = [b for b in backs if b.member is not None]
    others = [b for b in backs if b.own is not None]
    steps = []
    if members:
        names = ", ".join(b.name for b in members)
        label = f"inspect service{'s' if len(members) > 1 else ''} {names}"
        steps.append(Step(label, lambda: inspect_members(ctx, members, to), read_only=True))
    steps += [_guarded(b, step) for b in others if b.own is not None for step in own.inspection(b.own)]
    steps.append(Step("check what goes back", lambda: _check(backs), read_only=True))
    if members and to is not None:  # only a version no revision ran yet needs one
        steps.append(Step("register the task definitions", lambda: each(ctx, members, register_target)))
    for traffic in (True, False):
        ours = [b for b in members if b.traffic == traffic]
        if ours:
            steps.append(update_step(ctx, ours))
        steps += [_own_step(ctx, b) for b in others if b.traffic == traffic]
    if members:
        names = ", ".join(b.name for b in members)
        steps.append(Step(f"wait for the rollback of {names}", lambda: wait(ctx, members)))
    steps.append(Step("record the rollback in each service's tags", lambda: _finish(ctx, backs)))
    return Plan(title=_title(backs, to), steps=tuple(steps), record=lambda s, r: _record(ctx, backs, s, r))


def _place(one: Context) -> tuple[str | None, str | None, str, str]:
    """Where a service is: region, account (its role), cluster, name."""
    return one.aws.region, one.aws.role_arn, one.settings.cluster, one.settings.service


def _read(rolling: list[Context]) -> dict[tuple[str | None, str | None, str, str], dict[str, Any]]:
    """The rolling services (ACTIVE ones) by place, 10 a DescribeServices call per region, account and
    cluster: whether a canary is up, and whether a load balancer sends them traffic."""
    found = {}
    for ours in by_place(rolling, lambda one: (one.aws, one.settings.cluster)):
        first = ours[0]
        seen = ecs.describe_services(first.aws, first.settings.cluster, [o.settings.service for o in ours])
        for one in ours:
            service = seen.get(one.settings.service, {})
            if service.get("status") == "ACTIVE":
                found[_place(one)] = service
    return found


def _back(
    one: Context, name: Name, technique: Technique, service: dict[str, Any] | None, to: str | None
) -> Back:
    """The service by the batched rolling update when it is a rolling one without a canary up, else by
    its technique's own rollback (which ends a canary first, or says the service was not found)."""
    traffic = name != "rolling" or bool(service and service.get("loadBalancers"))
    if name == "rolling" and service is not None and state.canary_of(service) is None:
        member = many.Member(one, Job(Moved(to or "the previous version")))
        member.job.live.service = service
        return Back(one, "rolling update", traffic, member=member)
    b = Back(one, name, traffic)
    try:
        b.own = own.own(one, lambda c: technique.rollback_plan(c, to))
    except NothingToDo as exc:
        b.left = str(exc)
    except CiEcsError as exc:
        b.fail(exc)
    return b


def _nothing(backs: list[Back]) -> None:
    """Raise why no service goes back: the first failure, else nothing to do (exit 0)."""
    failed = next((b.error for b in backs if b.error is not None), None)
    if failed is not None:
        raise failed
    raise NothingToDo("rollback: nothing to roll back — " + "; ".join(f"{b.name}: {b.left}" for b in backs))


def _check(backs: list[Back]) -> str:
    """Once every service is inspected: go on when one goes back (or stays), else say why none does."""
    if not any(b.busy for b in backs):
        _nothing(backs)
    going = [b.name for b in backs if b.busy and not unchanged(b)]
    return (f"rolling back {', '.join(going)}" if going else "every service is back already") + "".join(
        f"; {b.name} left alone" if b.left else f"; {b.name} failed" for b in backs if not b.busy
    )


def _guarded(b: Back, step: Step) -> Step:
    """An own service's inspection: a service out of this rollback's scope is left alone, one whose
    inspection fails is failed — the others go on."""

    def run() -> str | None:
        if not b.busy:
            return None
        try:
            return step.run()
        except NothingToDo as exc:
            b.left = str(exc)
            return f"left alone: {exc}"
        except CiEcsError as exc:
            return b.fail(exc)

    return Step(step.name, run, read_only=True)


def _own_step(ctx: Context, b: Back) -> Step:
    """A service by its technique's rollback, its steps run here: a failure fails it alone, and its own
    undo runs when the job ends failed (or cancelled) — as its own job would undo it."""
    assert b.own is not None
    o, steps = b.own, own.changes(b.own, keep=False)

    def run() -> str:
        if not b.busy:
            return f"{b.name}: nothing to do"
        for step in steps:
            b.ran.append(step)
            try:
                result = step.run()
            except CiEcsError as exc:
                return f"{step.name}: {b.fail(exc)}"
            if result:
                ctx.console.line(f"    {step.name}: {result}")
        return f"{b.name}: rolled back by {b.how}"

    def undo() -> str:
        if o.done:
            return f"{b.name}: kept (rolled back)"
        for step in reversed(b.ran):
            if step.undo is not None:
                ctx.console.line(f"    {step.name}: {step.undo() or 'undone'}")
        return ""

    return Step(f"roll back {b.name} by {b.how}", run, undo)


def _finish(ctx: Context, backs: list[Back]) -> str:
    """Record each rolling service's rollback in its tags; then fail the job naming the services that
    did not go back (the others stay back)."""
    for b in backs:
        m = b.member
        if m is not None and m.done and not m.recorded:
            ctx.console.line(f"    {b.name}: {record_rollback(b.ctx, m.job)}")
            m.recorded = True
    failed = [b for b in backs if b.error is not None]
    if failed:
        back = [b.name for b in backs if b.busy and not unchanged(b)]
        raise DeploymentFailed(
            "rollback failed for "
            + "; ".join(f"{b.name}: {b.error}" for b in failed)
            + (f" — {', '.join(back)} went back" if back else "")
        )
    return "; ".join(f"{b.name} {where(b, 'success')[1]}" for b in backs)


def _title(backs: list[Back], to: str | None) -> str:
    names = ", ".join(b.name for b in backs)
    first = [b.name for b in backs if b.traffic]
    order = (
        f", those that take traffic first ({', '.join(first)})" if first and len(first) < len(backs) else ""
    )
    return f"roll services {names} back to {to or 'their previous versions'}{order}"


def _record(ctx: Context, backs: list[Back], status: Status, reason: str | None) -> DeploymentRecord:
    """The job's record (a service's that goes back, naming every one and where it is): unchanged when
    none went back."""
    by_ctx = {id(b.ctx): b for b in backs}
    ordered = sorted(backs, key=lambda b: not b.busy)  # the record's version: one a service goes back to
    groups = (tuple(Service(b.ctx, b.how, b.member, b.own) for b in ordered),)
    record = job.record(ctx, groups, "rollback", status, reason, lambda s, st: where(by_ctx[id(s.ctx)], st))
    details = {k: v for k, v in record.details.items() if k != UNCHANGED}
    none_moved = all(b.left or unchanged(b) for b in backs)
    return state.unchanged_if(
        none_moved and status == "success", dataclasses.replace(record, details=details)
    )
