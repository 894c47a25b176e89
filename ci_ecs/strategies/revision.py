"""The new task-definition revision every technique deploys: pin the image, render, tag, register or reuse."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ci_ecs import image_registry, render
from ci_ecs import release as releases
from ci_ecs.aws import ecr, ecs
from ci_ecs.errors import AwsError, PreconditionError
from ci_ecs.model import Release
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, Live, inspect_service, learn_secrets


def pin_image(ctx: Context) -> str:
    """For an ECR image: check the tag exists and pin the release to its digest."""
    release = ctx.require_release()
    image = release.image
    found = releases.is_ecr(image)
    if found is None:
        answer = image_registry.require(image, ctx.env)
        shown = "found" if answer.found == "found" else f"not checked: {answer.detail}"
        return f"{image} (not ECR, {shown}: deployed by tag)"
    account, region, name = found
    if image.digest:
        if not ecr.has_digest(ctx.aws, account, region, name, image.digest):
            raise PreconditionError(f"image: {release.reference} not found in ECR repository {name}")
        return f"{release.reference} (pinned by digest)"
    assert image.tag is not None
    digest = ecr.image_digest(ctx.aws, account, region, name, image.tag)
    ctx.release = dataclasses.replace(release, image=dataclasses.replace(image, digest=digest))
    return f"{image} is {digest}"


def tag_revision(td: dict[str, Any], release: Release) -> dict[str, Any]:
    """Tagged with the release (version, commit, pipeline, pipeline id), replacing ci-ecs's older ones."""
    tags = state.revision_tags(release.version, state.Provenance.of_release(release))
    return render.retag(td, tags, state.PREFIX)


def render_revision(ctx: Context, live: Live) -> dict[str, Any]:
    """The new revision: from the template when configured, else the live one with the image replaced."""
    s = ctx.settings
    if s.task_definition is not None:
        new = render.render_template(s.task_definition, ctx.require_release(), ctx.env)
    else:
        new = render.from_live(
            live.task_definition, live.task_definition_tags, ctx.require_release(), s.container
        )
    new = tag_revision(new, ctx.require_release())
    render.validate(new)
    if s.task_definition is not None:
        render.require_release_image(new, ctx.require_release(), s.container, s.task_definition)
    learn_secrets(ctx.console, new)
    return new


def same_revision(registered: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether a registered revision already is `wanted` (ignoring tags, which name the pipeline)."""
    existing = render.registerable(dict(registered))
    return _without_tags(existing) == _without_tags(dict(wanted))


def _without_tags(td: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in td.items() if k != "tags" and v not in (None, [], {})}


def rendered(ctx: Context) -> dict[str, Any]:
    """The revision `deploy` would register, with secret-looking values redacted (for `ci-ecs render`)."""
    live = Live()
    ctx.console.detail(inspect_service(ctx, live, controller="ECS"))
    ctx.console.detail(pin_image(ctx))
    return render.redact_task_definition(render_revision(ctx, live))


def find_revision(ctx: Context, family: str, version: str, limit: int = 50) -> str | None:
    """The newest revision of `family` that ci-ecs tagged with `version` (among the newest `limit`)."""
    for arn in ecs.revisions(ctx.aws, family, limit):
        _, tags = ecs.describe_task_definition(ctx.aws, arn)
        if any(t.get("key") == state.VERSION and t.get("value") == version for t in tags):
            return arn
    return None


def register_revision(ctx: Context, live: Live, new: dict[str, Any], reuse: str = "") -> tuple[str, str]:
    """(ARN, what happened): `reuse` when given, the live revision or the family's newest when identical,
    else a new registration."""
    if reuse:
        return reuse, f"reusing {ecs.short_arn(reuse)}, already registered for this version"
    if same_revision(live.task_definition, new):
        return live.arn, f"the live revision {ecs.short_arn(live.arn)} already is this version"
    return register_new(ctx, new)


def register_new(ctx: Context, new: dict[str, Any], live: Live | None = None) -> tuple[str, str]:
    """(ARN, what happened): the family's newest revision when it already is `new`, else a new one.

    `live`: the service as inspected, knowing the family's newest revision when the inspection read it.
    """
    newest = newest_if_same(ctx, new, live.newest if live else None)
    if newest:
        return newest, f"reusing {ecs.short_arn(newest)}, already registered for this version"
    arn = str(ecs.register_task_definition(ctx.aws, new)["taskDefinitionArn"])
    return arn, f"registered {ecs.short_arn(arn)}"


def newest_if_same(
    ctx: Context, new: dict[str, Any], known: tuple[dict[str, Any], list[dict[str, str]]] | None = None
) -> str | None:
    """The family's newest revision when it already is `new`, tagged with the same version (`ci-ecs run`
    registered it, say), else None; one DescribeTaskDefinition call unless `known` is that family's newest
    (read by the inspection; only the family when it has none)."""
    if known is not None and known[0].get("family") == new["family"]:
        newest, tags = known
        if "taskDefinitionArn" not in newest:
            return None
    else:
        try:
            newest, tags = ecs.describe_task_definition(ctx.aws, str(new["family"]))
        except AwsError:  # a family not registered yet
            return None
    wanted = _version_tag(new.get("tags") or [])
    if not wanted or _version_tag(tags) != wanted or not same_revision(newest, new):
        return None
    return str(newest["taskDefinitionArn"])


def provenance_of(ctx: Context, arn: str) -> state.Provenance:
    """A revision's provenance as ci-ecs tagged it (a rollback: where the version it returns to came from)."""
    _, tags = ecs.describe_task_definition(ctx.aws, arn)
    return state.Provenance.of_revision(tags)


def _version_tag(tags: list[dict[str, str]]) -> str | None:
    return {t.get("key"): t.get("value") for t in tags}.get(state.VERSION)
