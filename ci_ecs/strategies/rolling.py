"""`rolling`: a plain ECS rolling update with the deployment circuit breaker."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ci_ecs import checks, render
from ci_ecs.aws import ecs
from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import DeploymentRecord
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies.common import Context, Live, inspect_service, pin_image, render_revision, same_revision

TECHNIQUE = "rolling"


@dataclass
class _State:
    """What the steps learn from each other."""

    new: dict[str, Any] = field(default_factory=dict)
    arn: str = ""
    deployment_id: str = ""
    previous_version: str | None = None
    previous_arn: str = ""


def plan(ctx: Context) -> Plan:
    """Register the new revision, update the service, follow its deployment, record the release."""
    s = ctx.settings
    live, state = Live(), _State()

    def record(status: str, reason: str | None) -> DeploymentRecord:
        return DeploymentRecord(
            command="deploy",
            technique=TECHNIQUE,
            service=s.service,
            cluster=s.cluster,
            version=ctx.release.version,
            task_definition=state.arn,
            previous_version=state.previous_version,
            previous_task_definition=state.previous_arn or None,
            status=status,
            reason=reason,
            details={"image": ctx.release.reference, "deployment": state.deployment_id},
            api_calls=dict(ctx.aws.calls),
        )

    return Plan(
        title=f"deploy {ctx.release.version} to {s.service} (cluster {s.cluster}) by rolling update",
        steps=(
            Step(f"inspect service {s.service}", lambda: _inspect(ctx, live, state), read_only=True),
            Step("check the image", lambda: pin_image(ctx), read_only=True),
            Step("render the task definition", lambda: _render(ctx, live, state), read_only=True),
            Step("register the task definition", lambda: _register(ctx, live, state)),
            Step(
                f"update service {s.service}", lambda: _update(ctx, live, state), lambda: _restore(ctx, state)
            ),
            Step("wait for the rollout", lambda: _wait(ctx, state)),
            Step("record the release in the service's tags", lambda: _record(ctx, live, state)),
        ),
        record=record,
    )


def _inspect(ctx: Context, live: Live, state: _State) -> str:
    summary = inspect_service(ctx, live, controller="ECS")
    tags = ecs.tags_of(live.service)
    if tags.get("ci-ecs:version") == ctx.release.version:
        # A re-run of the release that is live: keep what it replaced as the previous version.
        state.previous_version = tags.get("ci-ecs:previous-version")
        state.previous_arn = tags.get("ci-ecs:previous-task-definition", "")
    elif "ci-ecs:task-definition" in tags:
        # The recorded release, not the service's current revision: a killed job may have left
        # the service half-way to a revision that never went live.
        state.previous_version = tags.get("ci-ecs:version")
        state.previous_arn = tags["ci-ecs:task-definition"]
    else:
        # Nothing recorded yet. With a rollout under way, what runs is the deployment it replaces.
        settled = _replaced_deployment(live.service)
        if settled and ecs.short_arn(settled["taskDefinition"]) != ecs.short_arn(live.arn):
            revision, revision_tags = ecs.describe_task_definition(ctx.aws, settled["taskDefinition"])
            previous = Live(live.service, revision, revision_tags)
        else:
            previous = Live({}, live.task_definition, live.task_definition_tags)
        state.previous_version = previous.version(ctx.release.image)
        state.previous_arn = previous.arn
    return summary


def _replaced_deployment(service: dict[str, Any]) -> dict[str, Any] | None:
    """While a rollout is under way, the newest ACTIVE deployment: the one it replaces."""
    if ecs.primary_deployment(service).get("rolloutState") != "IN_PROGRESS":
        return None
    active = [d for d in service.get("deployments", []) if d.get("status") == "ACTIVE"]
    return max(active, key=lambda d: str(d.get("createdAt", "")), default=None)


def _render(ctx: Context, live: Live, state: _State) -> str:
    state.new = render_revision(ctx, live)
    unchanged = same_revision(live.task_definition, state.new)
    if ctx.dry_run:
        lines = render.diff(render.registerable(live.task_definition), state.new)
        ctx.console.line(f"    changes to {ecs.short_arn(live.arn)}:" if lines else "    no changes")
        for line in lines:
            ctx.console.line(f"    {line}")
    family = state.new["family"]
    return f"{family} with image {ctx.release.reference}" + (
        " (same as the live revision)" if unchanged else ""
    )


def _register(ctx: Context, live: Live, state: _State) -> str:
    if same_revision(live.task_definition, state.new):
        state.arn = live.arn
        return f"the live revision {ecs.short_arn(live.arn)} already is this version: reusing it"
    registered = ecs.register_task_definition(ctx.aws, state.new)
    state.arn = registered["taskDefinitionArn"]
    return f"registered {ecs.short_arn(state.arn)}"


def _update(ctx: Context, live: Live, state: _State) -> str:
    primary = ecs.primary_deployment(live.service)
    if ecs.short_arn(primary.get("taskDefinition", "")) == ecs.short_arn(state.arn):
        # Re-run after a killed job, or of a live release: follow the deployment that exists.
        state.deployment_id = primary["id"]
        return f"the service is already on {ecs.short_arn(state.arn)}: following deployment {primary['id']}"
    service = ecs.update_service(
        ctx.aws, live.service, state.arn, circuit_breaker=ctx.settings.circuit_breaker
    )
    state.deployment_id = ecs.primary_deployment(service).get("id", "")
    breaker = "on" if ctx.settings.circuit_breaker else "off"
    return f"deployment {state.deployment_id} started (circuit breaker {breaker})"


def _wait(ctx: Context, state: _State) -> str:
    s = ctx.settings
    result = checks.watch_rollout(
        ctx.aws,
        s.cluster,
        s.service,
        state.deployment_id,
        s.wait,
        ctx.console,
        circuit_breaker=s.circuit_breaker,
        previous=state.previous_arn or None,
    )
    if result.ok:
        return f"{ctx.release.version} is live on {ecs.short_arn(state.arn)}"
    ecs.tag(
        ctx.aws,
        result.service.get("serviceArn") or _service_arn(ctx),
        {"ci-ecs:failed-version": ctx.release.version, "ci-ecs:failed-at": _now()},
    )
    if result.ecs_rolled_back:
        back_to = ecs.short_arn(result.service.get("taskDefinition", state.previous_arn))
        raise DeploymentFailed(f"{result.reason} — ECS is rolling the service back to {back_to}")
    raise DeploymentFailed(result.reason)


def _restore(ctx: Context, state: _State) -> str:
    s = ctx.settings
    service = ecs.describe_service(ctx.aws, s.cluster, s.service)
    if not state.previous_arn or ecs.short_arn(state.previous_arn) == ecs.short_arn(state.arn):
        return "nothing to restore: no earlier revision"
    if ecs.short_arn(service.get("taskDefinition", "")) == ecs.short_arn(state.previous_arn):
        return f"the service is back on {ecs.short_arn(state.previous_arn)}"
    updated = ecs.update_service(ctx.aws, service, state.previous_arn, circuit_breaker=s.circuit_breaker)
    deployment = ecs.primary_deployment(updated).get("id")
    return f"rolling back to {ecs.short_arn(state.previous_arn)}: deployment {deployment}"


def _record(ctx: Context, live: Live, state: _State) -> str:
    tags = {
        "ci-ecs:technique": TECHNIQUE,
        "ci-ecs:version": ctx.release.version,
        "ci-ecs:task-definition": state.arn,
        "ci-ecs:previous-version": state.previous_version or "",
        "ci-ecs:previous-task-definition": state.previous_arn,
        "ci-ecs:deployed-at": _now(),
        "ci-ecs:commit": ctx.release.commit or "",
        "ci-ecs:pipeline": ctx.release.pipeline_url or "",
    }
    ecs.tag(ctx.aws, live.service["serviceArn"], {k: v for k, v in tags.items() if v})
    return f"ci-ecs:version={ctx.release.version}, previous {state.previous_version or 'none'}"


def _service_arn(ctx: Context) -> str:
    return str(ecs.describe_service(ctx.aws, ctx.settings.cluster, ctx.settings.service)["serviceArn"])


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
