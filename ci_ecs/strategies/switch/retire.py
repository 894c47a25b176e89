"""`switch` capacity changes: retire a version (autoscaling off FIRST, then 0), revive it, delete it.

A retired version's service and target groups are all tagged `ci-ecs:obsolete`; reviving removes them.
"""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import autoscaling, ecs, elbv2
from ci_ecs.errors import PreconditionError
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context
from ci_ecs.strategies.switch import autoscaling as scaling
from ci_ecs.strategies.switch.family import Family, groups_of, routes
from ci_ecs.strategies.switch.names import names


def retire(ctx: Context, service: dict[str, Any]) -> str:
    """Save the count and autoscaling in tags, deregister the scalable target, scale to 0, tag obsolete.

    The scalable target goes first: with it registered, Application Auto Scaling would bring the
    count straight back to its minimum. The target groups are tagged obsolete before the service,
    whose tag marks the retirement done.
    """
    name, tags = service["serviceName"], ecs.tags_of(service)
    marks = [k for k in state.PREPARING_MARKS if k in tags]
    if state.OBSOLETE in tags and service.get("desiredCount", 0) == 0:
        ecs.untag(ctx.aws, service["serviceArn"], marks)
        return f"{name} is retired already"
    found = scaling.read(ctx.aws, service)
    if state.SAVED_DESIRED_COUNT not in tags:
        saved = {state.SAVED_DESIRED_COUNT: str(service.get("desiredCount", 0))}
        saved.update(scaling.to_tags(found) if found else {})
        ecs.tag(ctx.aws, service["serviceArn"], saved)
    if found is not None:
        autoscaling.deregister(ctx.aws, service["clusterArn"], name)
    if service.get("desiredCount", 0) != 0:
        ecs.set_desired_count(ctx.aws, service, 0)
    stamp = state.now()
    for group in groups_of(service):
        elbv2.add_tags(ctx.aws, group, {state.OBSOLETE: stamp})
    # The switch tag makes a hand-made first version findable once no rule forwards to it.
    ecs.tag(ctx.aws, service["serviceArn"], {state.OBSOLETE: stamp, state.SWITCH: ctx.settings.service})
    ecs.untag(ctx.aws, service["serviceArn"], marks)
    kept = f"{found.minimum}–{found.maximum} tasks" if found else "none"
    return (
        f"{name}: autoscaling removed (saved: {kept}), scaled to 0, tagged obsolete (with its target groups)"
    )


def revive(ctx: Context, service: dict[str, Any], like: dict[str, Any], revision: str = "") -> str:
    """Bring a retired version back: its revision, saved count (else `like`'s) and saved autoscaling."""
    name, tags = service["serviceName"], ecs.tags_of(service)
    count = int(tags.get(state.SAVED_DESIRED_COUNT) or like.get("desiredCount", 1) or 1)
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
        scaling.apply(ctx.aws, service, saved)
        done.append(f"autoscaling {saved.minimum}–{saved.maximum} restored")
    for group in groups_of(service):
        # Always: a retirement killed between the tags left only the target groups'.
        elbv2.remove_tags(ctx.aws, group, [state.OBSOLETE])
    saved_keys = (state.OBSOLETE, state.SAVED_DESIRED_COUNT, *scaling.saved_keys(service))
    ecs.untag(ctx.aws, service["serviceArn"], [k for k in saved_keys if k in tags])
    return f"{name}: " + (", ".join(done) if done else "in service")


def preparing_text(family: Family) -> str:
    """What the preparing rules forward to, as a tag value: `<route>:<weight>@<target group name/id>` …"""
    return " ".join(
        f"{number}:{weight}@{group.split(':targetgroup/')[-1]}"
        for number, rules in enumerate(family.rules)
        for group, weight in rules.preparing.items()
    )


def _preparing_was(text: str, family: Family, live: dict[str, Any]) -> list[dict[str, int]]:
    """Each route's preparing weights before the prepare (from `preparing_text`), else its live group."""
    live_groups = groups_of(live)
    prefix = live_groups[0].split(":targetgroup/")[0] + ":targetgroup/" if live_groups else ""
    found: list[dict[str, int]] = [{} for _ in family.rules]
    for item in text.split():
        where, _, group = item.partition("@")
        number, _, weight = where.rpartition(":")
        if not weight.isdigit():
            continue
        arn = group if group.startswith("arn:") else prefix + group
        found[int(number) if number.isdigit() else 0][arn] = int(weight)
    return [was or {group: 1} for was, group in zip(found, live_groups, strict=False)]


def end_prepare(ctx: Context, family: Family, marked: dict[str, Any], version: str) -> str:
    """Undo a prepare: rules back to the marked (live) service; the version's service and groups gone."""
    s = ctx.settings
    wanted = [names(s.service, route.name_prefix, version) for route in routes(s)]
    tags, live_groups = ecs.tags_of(marked), groups_of(marked)
    service = family.by_name(wanted[0].service)
    groups = list(groups_of(service)) if service else []
    if not groups:
        for n in wanted:
            found = elbv2.find_target_group(ctx.aws, n.target_group)
            groups += [str(found["TargetGroupArn"])] if found else []
    if groups and all(set(r.public) == {g} for r, g in zip(family.rules, groups, strict=False)):
        raise PreconditionError(
            f"{version} is live already (a deploy stopped after switching the public rules): re-run that "
            "deploy to finish it, or roll back"
        )
    was = _preparing_was(tags.get(state.SWITCH_PREPARING_WAS, ""), family, marked)
    for rules, live_group, before in zip(family.rules, live_groups, was, strict=False):
        if set(groups) & set(rules.public):
            elbv2.forward(ctx.aws, rules.route.public_rule, {live_group: 1})
        back = before if not set(groups) & set(before) else {live_group: 1}
        if rules.preparing != back:
            elbv2.forward(ctx.aws, rules.route.preparing_rule, back)
    if tags.get(state.PREVIOUS_SERVICE) == wanted[0].service and service is not None:
        done = retire(ctx, service)  # the live version's rollback target stays, at 0
    else:
        delete_version(ctx, service, groups)
        done = f"deleted {wanted[0].service} and {', '.join(n.target_group for n in wanted)}"
    ecs.untag(ctx.aws, marked["serviceArn"], [k for k in state.PREPARING_MARKS if k in tags])
    return f"rules back on {', '.join(map(elbv2.target_group_name, live_groups))}; {done}"


def delete_version(ctx: Context, service: dict[str, Any] | None, groups: list[str] | tuple[str, ...]) -> None:
    """Autoscaling, target groups, then service: a kill between leaves a service that points at its groups."""
    if service is not None:
        autoscaling.deregister(ctx.aws, service["clusterArn"], service["serviceName"])
    for group in groups:
        elbv2.delete_target_group(ctx.aws, group)
    if service is not None:
        ecs.delete_service(ctx.aws, service)


def delete_obsolete(ctx: Context, family: Family, keep: set[str]) -> str:
    """Delete the versions earlier runs retired, except `keep` (service names) and any a rule uses."""
    used = family.used()
    gone = [
        s
        for s in family.services
        if state.OBSOLETE in ecs.tags_of(s) and s["serviceName"] not in keep and not set(groups_of(s)) & used
    ]
    for service in gone:
        delete_version(ctx, service, groups_of(service))
    return f"deleted {', '.join(s['serviceName'] for s in gone)}" if gone else "none to delete"
