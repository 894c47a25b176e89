"""Steps every technique shares: read the live service, pin the image, render the new revision."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import release as releases
from ci_ecs import render
from ci_ecs.aws import ecr, ecs
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.forge import Reporter
from ci_ecs.forge.null import NullReporter
from ci_ecs.model import ImageRef, Release
from ci_ecs.output import Console
from ci_ecs.redaction import looks_secret
from ci_ecs.settings import Settings


@dataclass
class Context:
    """What a job works with; the AWS gateway makes no call until a step runs."""

    settings: Settings
    release: Release | None  # None for commands that find their version in AWS (rollback)
    aws: Aws
    console: Console
    env: Mapping[str, str]
    dry_run: bool = False
    reporter: Reporter = field(default_factory=NullReporter)

    def require_release(self) -> Release:
        """The release this job deploys (commands that deploy one always have it)."""
        if self.release is None:
            raise ConfigError("image: this command needs the image to deploy — pass --image REPO:TAG")
        return self.release


@dataclass
class Live:
    """The service as found before the job changed anything."""

    service: dict[str, Any] = field(default_factory=dict)
    task_definition: dict[str, Any] = field(default_factory=dict)
    task_definition_tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        """The live task definition's ARN."""
        return str(self.task_definition.get("taskDefinitionArn", ""))

    def version(self, image: ImageRef | None) -> str | None:
        """The live version: the service's ci-ecs tag, else the revision's, else the image's tag."""
        tags = ecs.tags_of(self.service)
        if "ci-ecs:version" in tags:
            return tags["ci-ecs:version"]
        td_tags = {t["key"]: t["value"] for t in self.task_definition_tags}
        if "ci-ecs:version" in td_tags:
            return td_tags["ci-ecs:version"]
        for container in self.task_definition.get("containerDefinitions", []):
            ref = ImageRef.parse(container.get("image", ""))
            if image is None or ref.repository == image.repository:
                return ref.tag or ref.digest
        return None


_CONTROLLER_FIXES = {
    "EXTERNAL": "set canary.mode: taskset (and canary.target_group, canary.listener_rules) to use task sets",
    "ECS": "use canary.mode task or service, or recreate the service with the EXTERNAL deployment controller",
    "CODE_DEPLOY": "set strategy: codedeploy (and codedeploy.* to create its deployment group if missing)",
}


def inspect_service(ctx: Context, live: Live, *, controller: str | None) -> str:
    """Read the service and its live revision; require the given deployment controller (None: any)."""
    s = ctx.settings
    live.service = ecs.describe_service(ctx.aws, s.cluster, s.service)
    found = live.service.get("deploymentController", {}).get("type", "ECS")
    if controller is not None and found != controller:
        raise PreconditionError(
            f"service {s.service} uses the {found} deployment controller, this job needs {controller} — "
            + _CONTROLLER_FIXES.get(found, "change the service's deployment controller")
        )
    live.task_definition, live.task_definition_tags = ecs.describe_task_definition(
        ctx.aws, live_task_definition(live.service)
    )
    learn_secrets(ctx.console, live.task_definition)
    running = live.service.get("runningCount", 0)
    desired = live.service.get("desiredCount", 0)
    return (
        f"{s.service}: {ecs.short_arn(live.arn)}, version {_version(ctx, live)}, "
        f"{running}/{desired} running, {len(live.service.get('deployments', []))} deployment(s)"
    )


def live_task_definition(service: Mapping[str, Any]) -> str:
    """The revision a service runs: its own, or (EXTERNAL controller) its PRIMARY task set's."""
    primary = [t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"]
    found = service.get("taskDefinition") or (primary[0]["taskDefinition"] if primary else "")
    if not found:
        raise PreconditionError(
            f"service: {service.get('serviceName')} runs no task definition (no primary task set)"
        )
    return str(found)


def _version(ctx: Context, live: Live) -> str:
    return live.version(ctx.release.image if ctx.release else ctx.settings.image) or "unknown"


def pin_image(ctx: Context) -> str:
    """For an ECR image: check the tag exists and pin the release to its digest."""
    release = ctx.require_release()
    image = release.image
    found = releases.is_ecr(image)
    if found is None:
        return f"{image} (not ECR: deployed by tag)"
    if image.digest:
        return f"{release.reference} (pinned by digest)"
    account, region, name = found
    assert image.tag is not None
    digest = ecr.image_digest(ctx.aws, account, region, name, image.tag)
    ctx.release = dataclasses.replace(release, image=dataclasses.replace(image, digest=digest))
    return f"{image} is {digest}"


def render_revision(ctx: Context, live: Live) -> dict[str, Any]:
    """The new revision: from the template when configured, else the live one with the image replaced."""
    s = ctx.settings
    if s.task_definition is not None:
        new = render.render_template(s.task_definition, ctx.require_release(), ctx.env)
    else:
        new = render.from_live(
            live.task_definition, live.task_definition_tags, ctx.require_release(), s.container
        )
    new = render.tag_revision(new, ctx.require_release())
    render.validate(new)
    learn_secrets(ctx.console, new)
    return new


def learn_secrets(console: Console, task_definition: Mapping[str, Any]) -> None:
    """Have the console redact every secret-looking environment value of a task definition."""
    for container in task_definition.get("containerDefinitions", []):
        for variable in container.get("environment", []):
            if looks_secret(variable.get("name", ""), variable.get("value", "")):
                console.redact.add(variable["value"])


def same_revision(registered: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether a registered revision already is `wanted` (ignoring tags, which name the pipeline)."""
    existing = render.registerable(dict(registered))
    return _without_tags(existing) == _without_tags(dict(wanted))


def _without_tags(td: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in td.items() if k != "tags" and v not in (None, [], {})}


def rendered(ctx: Context) -> dict[str, Any]:
    """The revision `deploy` would register, with secret-looking values redacted (for `ci-ecs render`)."""
    live = Live()
    ctx.console.detail(inspect_service(ctx, live, controller=_controller(ctx)))
    ctx.console.detail(pin_image(ctx))
    return render.redact_task_definition(render_revision(ctx, live))


def _controller(ctx: Context) -> str:
    return "ECS"


def find_revision(ctx: Context, family: str, version: str, limit: int = 50) -> str | None:
    """The newest revision of `family` that ci-ecs tagged with `version` (among the newest `limit`)."""
    for arn in ecs.revisions(ctx.aws, family, limit):
        _, tags = ecs.describe_task_definition(ctx.aws, arn)
        if any(t.get("key") == "ci-ecs:version" and t.get("value") == version for t in tags):
            return arn
    return None


def previous_in_forge(ctx: Context, live: Live) -> tuple[str, str]:
    """(version, task-definition ARN or '') of the forge's newest successful deployment before the live one.

    For a rollback when the service's tags record no previous version; PreconditionError when the forge
    remembers none either.
    """
    current, environment = live.version(ImageRef("")) or "", ctx.settings.environment
    for deployment in ctx.reporter.history(environment) if environment else []:
        if deployment.version and deployment.version != current:
            return deployment.version, str(deployment.payload.get("task_definition", ""))
    raise PreconditionError(
        f"rollback: nothing to roll back to — service {ctx.settings.service} has no recorded "
        "previous version (deploy it with ci-ecs first, or pass --to VERSION)"
    )


def register_revision(ctx: Context, live: Live, new: dict[str, Any], reuse: str = "") -> tuple[str, str]:
    """(ARN, what happened): `reuse` when given, the live revision when identical, else a new registration."""
    if reuse:
        return reuse, f"reusing {ecs.short_arn(reuse)}, the canary's revision of this version"
    if same_revision(live.task_definition, new):
        return live.arn, f"the live revision {ecs.short_arn(live.arn)} already is this version"
    arn = str(ecs.register_task_definition(ctx.aws, new)["taskDefinitionArn"])
    return arn, f"registered {ecs.short_arn(arn)}"
