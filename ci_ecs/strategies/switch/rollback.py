"""`switch` rollback: end a prepare, or bring the previous version back and switch the public rules to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.errors import PreconditionError
from ci_ecs.model import DeploymentRecord, Status
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, check_rollback_scope
from ci_ecs.strategies.state import Moved
from ci_ecs.strategies.switch import prepare, retire
from ci_ecs.strategies.switch.deploy import TECHNIQUE
from ci_ecs.strategies.switch.family import Family, forwarding, groups_of, plural, read, version_of


@dataclass
class _Back:
    """What the rollback steps learn: the version to return to and the one it replaces."""

    family: Family
    target: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, Any] = field(default_factory=dict)
    failed_version: str = ""
    unchanged: bool = False  # already rolled back (or on the version asked for): nothing to do


def plan(ctx: Context, to: str | None) -> Plan:
    """End a prepare under way (the public rules never moved), else switch back to the previous version.

    The rules and services are read here to choose: what a rollback does depends on what is under way.
    """
    s = ctx.settings
    family = read(ctx)
    marked = family.preparing_of()
    live = family.live(in_flight=marked[1] if marked else None)  # a canary's share does not make it live
    check_rollback_scope(ctx, ecs.tags_of(live) if live else {})
    if marked is not None and (live is None or version_of(live, s.service) != marked[1]):
        return _end_prepare_plan(ctx, family, marked[0], marked[1])
    back, rules = _Back(family), f"rule{plural(s)}"
    steps = (
        Step("inspect the switch rules and services", lambda: _inspect(ctx, back, to), read_only=True),
        Step(f"forward the preparing {rules} to it", lambda: _prepare_rules(ctx, back)),
        Step("bring the previous version back", lambda: _revive(ctx, back)),
        Step(
            "wait until enough targets are healthy",
            lambda: prepare.healthy(ctx, groups_of(back.target)),
        ),
        Step("mark the rollback on the previous version", lambda: _mark(ctx, back)),
        Step(f"forward the public {rules} to it", lambda: _forward(ctx, back)),
        Step("retire the version rolled back from", lambda: _retire(ctx, back)),
        Step("record the rollback in the service's tags", lambda: _record(ctx, back)),
    )
    return Plan(
        title=f"roll {s.service} (cluster {s.cluster}) back to {to or 'the previous version'} by switching",
        steps=steps,
        record=lambda status, reason: state.unchanged_if(
            back.unchanged, _deployment_record(ctx, back, status, reason)
        ),
    )


def _end_prepare_plan(ctx: Context, family: Family, marked: dict[str, Any], version: str) -> Plan:
    s = ctx.settings
    back = _Back(family, target=marked, failed_version=version)
    return Plan(
        title=f"end the prepare of {version} beside {s.service} (cluster {s.cluster})",
        steps=(Step(f"remove {version}", lambda: retire.end_prepare(ctx, family, marked, version)),),
        record=lambda status, reason: _deployment_record(ctx, back, status, reason),
    )


def _inspect(ctx: Context, back: _Back, to: str | None) -> str:
    base = ctx.settings.service
    live = back.family.live()  # the family `plan` read
    assert live is not None  # read() fails without one
    tags = ecs.tags_of(live)
    already = tags.get(state.ROLLED_BACK_FROM, "")
    if (to is None and already) or to == version_of(live, base):
        # A second rollback (or one to the live version) finishes what the first one started.
        back.target, back.failed_version = live, already
        back.failed = (back.family.by_version(already) or {}) if already else {}
        back.unchanged = True
        return f"already on {version_of(live, base)}: nothing to roll back (use --to VERSION to go further)"
    found = back.family.by_version(to) if to else back.family.by_name(tags.get(state.PREVIOUS_SERVICE, ""))
    if found is None:
        raise PreconditionError(
            f"rollback: nothing to roll back to — no service of {to or 'the previous version'} is left "
            f"beside {live['serviceName']} (ci-ecs keeps one previous version; deploy the one you want)"
        )
    back.target, back.failed, back.failed_version = found, live, version_of(live, base)
    return f"rolling back from {back.failed_version} to {version_of(found, base)}"


def _prepare_rules(ctx: Context, back: _Back) -> str:
    # Its target groups must be behind a listener before ECS registers new tasks in them.
    for rules, group in zip(back.family.rules, groups_of(back.target), strict=True):
        if rules.preparing != {group: 1}:
            elbv2.forward(ctx.aws, rules.route.preparing_rule, {group: 1})
            rules.preparing = {group: 1}
    return forwarding("preparing", groups_of(back.target))


def _revive(ctx: Context, back: _Back) -> str:
    return retire.revive(ctx, back.target, back.failed or back.target)


def _mark(ctx: Context, back: _Back) -> str:
    if not back.failed_version or ecs.tags_of(back.target).get(state.ROLLED_BACK_FROM) == back.failed_version:
        return "marked already"
    ecs.tag(ctx.aws, back.target["serviceArn"], {state.ROLLED_BACK_FROM: back.failed_version})
    return f"{state.ROLLED_BACK_FROM}={back.failed_version}"


def _forward(ctx: Context, back: _Back) -> str:
    for rules, group in zip(back.family.rules, groups_of(back.target), strict=True):
        if rules.public != {group: 1}:
            elbv2.forward(ctx.aws, rules.route.public_rule, {group: 1})
    return forwarding("public", groups_of(back.target))


def _retire(ctx: Context, back: _Back) -> str:
    # Only once every public rule forwards to the version rolled back to.
    if not back.failed or back.failed.get("serviceName") == back.target.get("serviceName"):
        return "nothing to retire"
    return retire.retire(ctx, back.failed)


def _moved(ctx: Context, back: _Back) -> Moved:
    base, target = ctx.settings.service, back.target
    return Moved(
        version_of(target, base) if target else "",
        str(target.get("taskDefinition", "")),
        back.failed_version or None,
        str(back.failed.get("taskDefinition", "")),
    )


def _record(ctx: Context, back: _Back) -> str:
    # The version's own service keeps where it came from (commit, pipeline) since it was deployed.
    tags = ecs.tags_of(back.target)
    provenance = state.Provenance(
        tags.get(state.COMMIT, ""), tags.get(state.PIPELINE, ""), tags.get(state.PIPELINE_ID, "")
    )
    extra = {state.SWITCH: ctx.settings.service, state.PREVIOUS_SERVICE: back.failed.get("serviceName", "")}
    return state.write_release(
        ctx.aws,
        back.target,
        TECHNIQUE,
        _moved(ctx, back),
        provenance,
        rolled_back_from=back.failed_version,
        extra=extra,
        clear=state.PREPARING_MARKS,
    )


def _deployment_record(ctx: Context, back: _Back, status: Status, reason: str | None) -> DeploymentRecord:
    job = ctx.job("rollback", TECHNIQUE, back.target.get("serviceName", ""))
    details = {"rolled_back_from": back.failed_version}
    return state.deployment_record(job, _moved(ctx, back), status, reason, ctx.aws.calls, details)
