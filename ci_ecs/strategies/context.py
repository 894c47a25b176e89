"""What every technique works with: the job's context, and the service as found before any change."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_ecs.aws import ecs, elbv2
from ci_ecs.aws.clients import Aws, missing_is
from ci_ecs.errors import AwsError, ConfigError, NothingToDo, PreconditionError
from ci_ecs.forge import Reporter
from ci_ecs.forge.null import NullReporter
from ci_ecs.model import Analysis, Command, ImageRef, Release, TechniqueName
from ci_ecs.output import Console, counted
from ci_ecs.redaction import looks_secret
from ci_ecs.settings import Settings, of_service
from ci_ecs.settings.services import ServiceEntry
from ci_ecs.strategies import state


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
    pipeline_release: Release | None = None  # rollback in a pipeline: the release it may undo (None: any)
    analyses: list[Analysis] = field(default_factory=list)  # the canary analyses run so far, in order

    def require_release(self) -> Release:
        """The release this job deploys (commands that deploy one always have it)."""
        if self.release is None:
            raise ConfigError("image: this command needs the image to deploy — pass --image REPO:TAG")
        return self.release

    def for_service(self, entry: ServiceEntry) -> Context:
        """One service of `services:`: its own settings, and the gateway of its own region and role."""
        own = of_service(self.settings, entry)
        return dataclasses.replace(self, settings=own, aws=self.aws.elsewhere(own.region, own.role_arn))

    def job(self, command: Command, technique: TechniqueName, service: str = "") -> state.Job:
        """Who runs this job, for its DeploymentRecord (`service`: when not the configured one)."""
        service = service or self.settings.service
        return state.Job(command, technique, service, self.settings.cluster, tuple(self.analyses))


# A canary mode's way to remove the canary a service records ("no canary" when there is none).
EndCanary = Callable[[Context, dict[str, Any]], str]


@dataclass
class Live:
    """The service as found before the job changed anything."""

    service: dict[str, Any] = field(default_factory=dict)
    task_definition: dict[str, Any] = field(default_factory=dict)
    task_definition_tags: list[dict[str, str]] = field(default_factory=list)
    # The family's newest ACTIVE revision and its tags, when the inspection read it (only a family: none).
    newest: tuple[dict[str, Any], list[dict[str, str]]] | None = None

    @property
    def arn(self) -> str:
        """The live task definition's ARN."""
        return str(self.task_definition.get("taskDefinitionArn", ""))

    def version(self, image: ImageRef | None) -> str | None:
        """The live version: the service's ci-ecs tag, else the revision's, else the image's tag."""
        recorded = state.Recorded.of(self.service).version
        if recorded:
            return recorded
        td_tags = {t["key"]: t["value"] for t in self.task_definition_tags}
        if td_tags.get(state.VERSION):
            return td_tags[state.VERSION]
        for container in self.task_definition.get("containerDefinitions", []):
            ref = ImageRef.parse(container.get("image", ""))
            if image is None or ref.repository == image.repository:
                return ref.tag or ref.digest
        return None

    def provenance(self) -> state.Provenance:
        """Where the live revision came from, as ci-ecs tagged it when it registered it."""
        return state.Provenance.of_revision(self.task_definition_tags)


# The fix for a service whose controller (found) is not the one the job needs (wanted): (found, wanted) first.
_CONTROLLER_FIXES: dict[str | tuple[str, str], str] = {
    ("ECS", "CODE_DEPLOY"): "use strategy rolling, native or switch for it, or give it the CODE_DEPLOY "
    "deployment controller (and two target groups)",
    "EXTERNAL": "set canary.mode: taskset (and canary.target_group, canary.listener_rules) to use task sets",
    "ECS": "use canary.mode task or service, or recreate the service with the EXTERNAL deployment controller",
    "CODE_DEPLOY": "set strategy: codedeploy (and codedeploy.* to create its deployment group if missing)",
}


def inspect_service(
    ctx: Context,
    live: Live,
    *,
    controller: str | None,
    newest: Callable[[Mapping[str, Any]], bool] | None = None,
) -> str:
    """Read the service and its live revision; require the given deployment controller (None: any).

    `newest`: whether, for the service found, to learn its family's newest revision too (for a job that may
    register one) — reading the family, which is the live revision itself when it is the newest.
    """
    s = ctx.settings
    if not live.service:  # else read already, ACTIVE, by a batched DescribeServices (`services:`)
        live.service = ecs.describe_service(ctx.aws, s.cluster, s.service)
    require_controller(live.service, controller)
    arn = live_task_definition(live.service)
    if newest is not None and newest(live.service):
        live.newest = _family_newest(ctx, arn)
    if live.newest and ecs.short_arn(live.newest[0].get("taskDefinitionArn", "")) == ecs.short_arn(arn):
        live.task_definition, live.task_definition_tags = live.newest  # the service runs the newest
    else:
        live.task_definition, live.task_definition_tags = ecs.describe_task_definition(ctx.aws, arn)
    learn_secrets(ctx.console, live.task_definition)
    running = live.service.get("runningCount", 0)
    desired = live.service.get("desiredCount", 0)
    version = live.version(ctx.release.image if ctx.release else s.image) or "unknown"
    return (
        f"{s.name}: {ecs.short_arn(live.arn)}, version {version}, "
        f"{running}/{desired} running, {counted(len(live.service.get('deployments', [])), 'deployment')}"
    )


def _family_newest(ctx: Context, arn: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The newest ACTIVE revision of the live revision's family and its tags (only the family: none is)."""
    family = ecs.short_arn(arn).rsplit(":", 1)[0]
    try:
        return ecs.describe_task_definition(ctx.aws, family)
    except AwsError:  # every revision of the family deregistered, the live one too
        return {"family": family}, []


def require_controller(service: Mapping[str, Any], controller: str | None) -> str:
    """The service's deployment controller; PreconditionError naming the fix unless it is `controller`."""
    found = str(service.get("deploymentController", {}).get("type", "ECS"))
    if controller is not None and found != controller:
        raise PreconditionError(
            f"service {service.get('serviceName')} uses the {found} deployment controller, this job needs "
            f"{controller} — "
            + _CONTROLLER_FIXES.get(
                (found, controller),
                _CONTROLLER_FIXES.get(found, "change the service's deployment controller"),
            )
        )
    return found


def live_task_definition(service: Mapping[str, Any]) -> str:
    """The revision a service runs: its own, or (EXTERNAL controller) its PRIMARY task set's."""
    primary = [t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"]
    found = service.get("taskDefinition") or (primary[0]["taskDefinition"] if primary else "")
    if not found:
        raise PreconditionError(
            f"service: {service.get('serviceName')} runs no task definition (no primary task set)"
        )
    return str(found)


def learn_secrets(console: Console, task_definition: Mapping[str, Any]) -> None:
    """Have the console redact every secret-looking environment value of a task definition."""
    for container in task_definition.get("containerDefinitions", []):
        for variable in container.get("environment", []):
            if looks_secret(variable.get("name", ""), variable.get("value", "")):
                console.redact.add(variable["value"])


def previous_in_forge(ctx: Context, live: Live) -> tuple[str, str]:
    """(version, task-definition ARN or '') of the forge's newest successful deployment before the live one.

    For a rollback when the service's tags record no previous version; PreconditionError when the forge
    remembers none either.
    """
    current, environment = live.version(ImageRef("")) or "", ctx.settings.environment
    for deployment in ctx.reporter.history(environment) if environment else []:
        if deployment.version and deployment.version != current:
            return deployment.version, str(deployment.payload.get("task_definition", ""))
    raise nothing_to_roll_back(ctx.settings.service)


def check_rollback_scope(ctx: Context, tags: Mapping[str, str]) -> None:
    """NothingToDo when this pipeline's release is neither live nor under way on the service (its tags).

    A rollback job in a pipeline undoes that pipeline's release only: a canary-deploy killed before it
    recorded anything must not make the same pipeline's rollback take the stable version back. The live
    version is this pipeline's when its version, commit or pipeline id is: a rollback job that names no
    image computes its version from the commit, while the deploy job may have deployed a tag like v2.
    """
    release = ctx.pipeline_release
    if release is None or _recorded_by(release, tags):
        return
    version = release.version
    live = tags.get(state.VERSION, "")
    under_way = (
        tags.get(state.CANARY_VERSION),
        tags.get(state.CODEDEPLOY_VERSION),
        tags.get(state.NATIVE_VERSION),
        tags.get(state.SWITCH_PREPARING),
    )
    if version in (live, *under_way):
        return
    shown = live or "a version ci-ecs did not record"
    raise NothingToDo(
        f"rollback: this pipeline's version {version} is not live ({shown} is) and nothing of it is under "
        "way: nothing to roll back — run `ci-ecs rollback --to VERSION` to go back further"
    )


def _recorded_by(release: Release, tags: Mapping[str, str]) -> bool:
    """Whether the live version's tags name this release's commit or pipeline id."""
    if release.commit and tags.get(state.COMMIT) == release.commit:
        return True
    return release.pipeline_id is not None and tags.get(state.PIPELINE_ID) == str(release.pipeline_id)


def check_weighted_rules(ctx: Context, primary_group: str) -> None:
    """PreconditionError naming the key unless `canary.target_group` exists beside the primary target group
    and every rule of `canary.listener_rules` exists and forwards to the primary (task-set services)."""
    group = ctx.settings.canary.target_group or ""
    if group == primary_group:
        raise PreconditionError(
            "canary.target_group: is the primary task set's target group — use another one"
        )
    with missing_is(
        f"canary.target_group: {group} does not exist — set the canary's", ("TargetGroupNotFound",)
    ):
        elbv2.describe_target_groups(ctx.aws, [group])
    for rule in ctx.settings.canary.listener_rules:
        gone = f"canary.listener_rules: {rule} does not exist — list the rules (or listeners) of the service"
        with missing_is(gone, ("RuleNotFound", "ListenerNotFound")):
            weights = elbv2.forward_weights(ctx.aws, rule)
        if primary_group not in weights:
            raise PreconditionError(
                f"canary.listener_rules: {rule} does not forward to the primary target group "
                f"{elbv2.target_group_name(primary_group)}"
            )


def nothing_to_roll_back(service: str) -> PreconditionError:
    """The error of a rollback that finds no earlier version recorded anywhere."""
    return PreconditionError(
        f"rollback: nothing to roll back to — service {service} has no recorded "
        "previous version (deploy it with ci-ecs first, or pass --to VERSION)"
    )
