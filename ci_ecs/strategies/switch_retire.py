"""`switch` capacity changes: retire a version (autoscaling off FIRST, then 0), revive it, delete it.

A retired version's service and target group are both tagged `ci-ecs:obsolete`; reviving removes both.
"""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import autoscaling, ecs, elbv2
from ci_ecs.errors import PreconditionError
from ci_ecs.strategies import switch_autoscaling as scaling
from ci_ecs.strategies import switch_state as state
from ci_ecs.strategies.common import Context
from ci_ecs.strategies.rollout import now


def retire(ctx: Context, service: dict[str, Any]) -> str:
    """Save the count and autoscaling in tags, deregister the scalable target, scale to 0, tag obsolete.

    The scalable target goes first: with it registered, Application Auto Scaling would bring the
    count straight back to its minimum (seed 003's trap). The target group is tagged obsolete before
    the service, whose tag marks the retirement done.
    """
    name, tags = service["serviceName"], ecs.tags_of(service)
    marks = [k for k in (state.PREPARING, state.PREPARING_WAS) if k in tags]
    if state.OBSOLETE in tags and service.get("desiredCount", 0) == 0:
        ecs.untag(ctx.aws, service["serviceArn"], marks)
        return f"{name} is retired already"
    found = scaling.read(ctx.aws, service)
    if state.SAVED_DESIRED not in tags:
        saved = {state.SAVED_DESIRED: str(service.get("desiredCount", 0))}
        saved.update(scaling.to_tags(found) if found else {})
        ecs.tag(ctx.aws, service["serviceArn"], saved)
    if found is not None:
        autoscaling.deregister(ctx.aws, service["clusterArn"], name)
    if service.get("desiredCount", 0) != 0:
        ecs.set_desired_count(ctx.aws, service, 0)
    stamp, group = now(), state.group_of(service)
    if group:
        elbv2.add_tags(ctx.aws, group, {state.OBSOLETE: stamp})
    # The switch tag makes a hand-made first version findable once no rule forwards to it.
    ecs.tag(ctx.aws, service["serviceArn"], {state.OBSOLETE: stamp, state.SWITCH: ctx.settings.service})
    ecs.untag(ctx.aws, service["serviceArn"], marks)
    kept = f"{found.minimum}–{found.maximum} tasks" if found else "none"
    return (
        f"{name}: autoscaling removed (saved: {kept}), scaled to 0, tagged obsolete (with its target group)"
    )


def revive(ctx: Context, service: dict[str, Any], like: dict[str, Any], revision: str = "") -> str:
    """Bring a retired version back: its revision, saved count (else `like`'s) and saved autoscaling."""
    name, tags = service["serviceName"], ecs.tags_of(service)
    count = int(tags.get(state.SAVED_DESIRED) or like.get("desiredCount", 1) or 1)
    done = []
    if revision and ecs.short_arn(service["taskDefinition"]) != ecs.short_arn(revision):
        ecs.update_service(
            ctx.aws, service, revision, circuit_breaker=ctx.settings.circuit_breaker, desired_count=count
        )
        done.append(f"updated to {ecs.short_arn(revision)}")
    elif service.get("desiredCount", 0) < count:
        ecs.set_desired_count(ctx.aws, service, count)
        done.append(f"scaled to {count}")
    saved = scaling.from_tags(service)
    if saved is not None:
        scaling.apply(ctx.aws, service, saved, state.group_of(service))
        done.append(f"autoscaling {saved.minimum}–{saved.maximum} restored")
    group = state.group_of(service)
    if group:
        # Always: a retirement killed between the two tags left only the target group's.
        elbv2.remove_tags(ctx.aws, group, [state.OBSOLETE])
    stale = [k for k in (state.OBSOLETE, state.SAVED_DESIRED, *scaling.saved_keys(service)) if k in tags]
    ecs.untag(ctx.aws, service["serviceArn"], stale)
    return f"{name}: " + (", ".join(done) if done else "in service")


def end_prepare(ctx: Context, family: state.Family, marked: dict[str, Any], version: str) -> str:
    """Undo a prepare: rules back to the marked (live) service; the version's service and group gone."""
    from ci_ecs.strategies.switch_names import names

    s = ctx.settings
    wanted = names(s.service, s.switch.prefix(s.service), version)
    tags, live_group = ecs.tags_of(marked), state.group_of(marked)
    service = family.by_name(wanted.service)
    group = state.group_of(service) if service else ""
    if not group:
        found = elbv2.find_target_group(ctx.aws, wanted.target_group)
        group = str(found["TargetGroupArn"]) if found else ""
    if group and set(family.public) == {group}:
        raise PreconditionError(
            f"{version} is live already (a deploy stopped after switching the public rule): re-run that "
            "deploy to finish it, or roll back"
        )
    if group and group in family.public:
        state.forward(ctx, s.switch.public_rule, {live_group: 1})
    was = dict(_parse(tags.get(state.PREPARING_WAS, ""))) or {live_group: 1}
    if group in was or not was:
        was = {live_group: 1}
    if family.preparing != was:
        state.forward(ctx, s.switch.preparing_rule, was)
    if tags.get(state.PREVIOUS_SERVICE) == wanted.service and service is not None:
        done = retire(ctx, service)  # the live version's rollback target stays, at 0
    else:
        delete_version(ctx, service, group)
        done = f"deleted {wanted.service} and {wanted.target_group}"
    ecs.untag(ctx.aws, marked["serviceArn"], [k for k in (state.PREPARING, state.PREPARING_WAS) if k in tags])
    return f"rules back on {elbv2.target_group_name(live_group)}; {done}"


def _parse(text: str) -> list[tuple[str, int]]:
    pairs = [item.split("@", 1) for item in text.split() if "@" in item]
    return [(arn, int(weight)) for weight, arn in pairs if weight.isdigit()]


def delete_version(ctx: Context, service: dict[str, Any] | None, group: str) -> None:
    """Autoscaling, target group, then service: a kill between leaves a service that points at its group."""
    if service is not None:
        autoscaling.deregister(ctx.aws, service["clusterArn"], service["serviceName"])
    if group:
        elbv2.delete_target_group(ctx.aws, group)
    if service is not None:
        ecs.delete_service(ctx.aws, service)


def delete_obsolete(ctx: Context, family: state.Family, keep: set[str]) -> str:
    """Delete the versions earlier runs retired, except `keep` (service names) and any a rule uses."""
    used = set(family.public) | set(family.preparing)
    gone = [
        s
        for s in family.services
        if state.OBSOLETE in ecs.tags_of(s) and s["serviceName"] not in keep and state.group_of(s) not in used
    ]
    for service in gone:
        delete_version(ctx, service, state.group_of(service))
    return f"deleted {', '.join(s['serviceName'] for s in gone)}" if gone else "none to delete"
