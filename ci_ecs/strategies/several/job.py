"""What a `services:` job's plans share: its services by technique, the image pinned once, its record."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ci_ecs.model import Command, DeploymentRecord, ServiceOutcome, ServiceState, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.settings import Settings
from ci_ecs.settings.services import waves
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.revision import pin_image
from ci_ecs.strategies.rolling import many, rollout
from ci_ecs.strategies.several.own import Own

if TYPE_CHECKING:
    from ci_ecs.strategies.technique import Name, Technique

# A service's technique by its settings (the registry's, handed in: it knows every technique).
TechniqueOf = Callable[[Settings], "tuple[Name, Technique]"]


@dataclass(frozen=True)
class Service:
    """One service of the job: by the batched rolling update (`member`) or by a plan of its own (`own`),
    or left alone by this job (neither)."""

    ctx: Context
    how: str = ""  # by which technique this job changes it ("": it does not)
    member: many.Member | None = None
    own: Own | None = None
    left: str = ""  # why this job leaves it alone

    @property
    def name(self) -> str:
        """The service as output names it (with its region when another service has its name)."""
        return self.ctx.settings.name


# Where a service is at the end of the job, and that in words (for the job's record).
Where = Callable[[Service, Status], tuple[ServiceState, str]]


def in_waves(ctx: Context, make: Callable[[Context], Service]) -> tuple[tuple[Service, ...], ...]:
    """Every service of `services:`, made with its own context, in the waves of its `after:`."""
    return tuple(tuple(make(ctx.for_service(e)) for e in wave) for wave in waves(ctx.settings.services))


def members(groups: tuple[tuple[Service, ...], ...]) -> list[many.Member]:
    """The services the batched rolling update deploys."""
    return [s.member for wave in groups for s in wave if s.member is not None]


def pin(ctx: Context, groups: tuple[tuple[Service, ...], ...]) -> str:
    """Pin the image once, for every service: one release."""
    done = pin_image(ctx)
    for wave in groups:
        for s in wave:
            s.ctx.release = ctx.release
    return done


def title(ctx: Context, groups: tuple[tuple[Service, ...], ...], doing: str) -> str:
    """The plan's title: what it does to which services, by which techniques, in how many waves."""
    everyone = [s for wave in groups for s in wave]
    hows = {s.how for s in everyone}
    if len(hows) == 1 and "" not in hows:
        techniques = f"{', '.join(s.name for s in everyone)} by {everyone[0].how}"
    else:
        techniques = ", ".join(f"{s.name} ({s.how or 'left as it is'})" for s in everyone)
    count = len(groups)
    return (
        f"{doing} {ctx.require_release().version} to services {techniques} "
        f"({count} wave{'s' if count > 1 else ''}, on failure {ctx.settings.on_failure})"
    )


def plan(
    ctx: Context, groups: tuple[tuple[Service, ...], ...], command: Command, steps: list[Step], where: Where
) -> Plan:
    """The job's plan of these steps, its title and record naming every service."""
    return Plan(
        title=title(ctx, groups, command),
        steps=tuple(steps),
        record=lambda status, reason: record(ctx, groups, command, status, reason, where),
    )


def record(
    ctx: Context,
    groups: tuple[tuple[Service, ...], ...],
    command: Command,
    status: Status,
    reason: str | None,
    where: Where,
) -> DeploymentRecord:
    """The job's record: the first service's, naming every service and where each one is (`where`)."""
    everyone = [s for wave in groups for s in wave]
    first = _first_record(ctx, everyone, command, status, reason)
    started = status != "in_progress"
    places: list[tuple[ServiceState, str]] = [
        where(s, status) if started else ("in progress", "") for s in everyone
    ]
    on = (
        "; ".join(f"{s.name} {words}" for s, (_, words) in zip(everyone, places, strict=True))
        if started
        else ""
    )
    clusters = ", ".join(dict.fromkeys(s.ctx.settings.cluster for s in everyone))
    return dataclasses.replace(
        first,
        command=command,
        service=", ".join(s.name for s in everyone),
        cluster=clusters,
        task_definition="",
        previous_task_definition=None,  # each service has its own: `services`
        status=status,
        reason=reason,
        details={**first.details, "services": on, "deployment": ""},
        api_calls=dict(ctx.aws.calls),
        services=tuple(
            _outcome(s, _own_record(s, command, status, reason), state)
            for s, (state, _) in zip(everyone, places, strict=True)
        ),
    )


def _first_record(
    ctx: Context, everyone: list[Service], command: Command, status: Status, reason: str | None
) -> DeploymentRecord:
    for s in everyone:
        found = _own_record(s, command, status, reason)
        if found is not None:
            return found
    raise AssertionError(f"services: no service to record in {ctx.settings.services}")


def _own_record(s: Service, command: Command, status: Status, reason: str | None) -> DeploymentRecord | None:
    """The record the service's own job would give (None: it has none, being left alone)."""
    if s.member is not None:
        return rollout.record(s.ctx, s.member.job, command, status, reason)
    return s.own.record(status, reason) if s.own is not None else None


def _outcome(s: Service, own: DeploymentRecord | None, state: ServiceState) -> ServiceOutcome:
    """The service in the job's record (by its ECS name: its region tells two of a name apart): its
    versions and revisions by its own record, and where it ended."""
    settings = s.ctx.settings
    place = (settings.service, settings.cluster, s.ctx.aws.region or settings.region or "")
    if own is None or state == "left alone":  # nothing of it was chosen: no version of the job's
        return ServiceOutcome(*place, "", "", state=state)
    return ServiceOutcome(
        *place,
        own.version,
        own.task_definition,
        own.previous_version,
        own.previous_task_definition,
        state,
    )
