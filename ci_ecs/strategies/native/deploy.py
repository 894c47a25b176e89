"""`canary-deploy` and `deploy` by ECS's own blue/green, linear or canary deployment."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import ecs
from ci_ecs.errors import PreconditionError
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, inspect_service
from ci_ecs.strategies.native import analysis, pauses, steps
from ci_ecs.strategies.native import configuration as configs
from ci_ecs.strategies.native.steps import TECHNIQUE, Job
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision
from ci_ecs.strategies.state import Moved


def canary_plan(ctx: Context) -> Plan:
    """Start a deployment that pauses for verification: the test listener (blue/green) or the first
    production step (canary, linear) reaches the new revision."""
    s, release = ctx.settings, ctx.require_release()
    job = Job(Moved(release.version))
    return Plan(
        title=f"canary {release.version} of {s.service} (cluster {s.cluster}) by an ECS deployment",
        steps=(
            *_prepare(ctx, job, pause=True),
            Step(
                "start the deployment, pausing for verification",
                lambda: steps.start(ctx, job, pause=True),
                lambda: steps.stop(ctx, job),
            ),
            Step("wait until it pauses for verification", lambda: pauses.wait_paused(ctx, job)),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, job, "canary-deploy", status, reason),
    )


def deploy_plan(ctx: Context) -> Plan:
    """Continue the canary's deployment (or start one), follow it to the end, record the release."""
    s, release = ctx.settings, ctx.require_release()
    job = Job(Moved(release.version))
    until = s.native.wait_until
    return Plan(
        title=f"deploy {release.version} to {s.service} (cluster {s.cluster}) by an ECS deployment",
        steps=(
            *_prepare(ctx, job, pause=False),
            Step(
                "start the deployment",
                lambda: steps.start(ctx, job, pause=False),
                lambda: steps.stop(ctx, job),
            ),
            Step(
                "shift traffic" + ("" if until == "done" else f" (until {until})"),
                lambda: pauses.complete(ctx, job),
            ),
            Step("record the release in the service's tags", lambda: _record(ctx, job)),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, job, "deploy", status, reason),
    )


def _prepare(ctx: Context, job: Job, *, pause: bool) -> tuple[Step, ...]:
    s = ctx.settings
    return (
        Step(f"inspect service {s.service}", lambda: inspect(ctx, job, pause=pause), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        *(
            [Step("check the canary analysis", lambda: analysis.check(ctx, job), read_only=True)]
            if s.analysis.enabled
            else []
        ),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        Step("register the task definition", lambda: _register(ctx, job)),
    )


def inspect(ctx: Context, job: Job, *, pause: bool) -> str:
    """The service (ECS controller), the configuration to send, the deployment under way, the previous
    release; PreconditionError when the config differs from the service without `native.configure`."""
    summary = inspect_service(ctx, job.live, controller="ECS")
    job.configuration, changes = read_configuration(ctx, job)
    configs.check(job.live.service, job.configuration, pause)
    found = steps.find_under_way(ctx, job)
    steps.require_no_other(job)
    source = job.under_way.source_task_definition if job.under_way else ""
    if source and ecs.short_arn(source) != ecs.short_arn(job.live.arn):
        # ECS names the new revision as the service's task definition from the start of a deployment;
        # the version that serves until it ends is the deployment's source.
        job.live.task_definition, job.live.task_definition_tags = ecs.describe_task_definition(
            ctx.aws, source
        )
    recorded, live = state.Recorded.of(job.live.service), job.live
    running = (live.version(ctx.settings.image), live.arn)
    job.moved = job.moved.replacing(state.previous_release(recorded, job.moved.version, lambda: running))
    kind = configs.TYPES[configs.strategy_of(job.configuration)]
    change = f"; will set {', '.join(changes)}" if changes else ""
    return f"{summary}; {kind}{change}; {found}"


def read_configuration(ctx: Context, job: Job) -> tuple[dict[str, Any], list[str]]:
    """The configuration to send, and how it differs from the service's; PreconditionError when it
    differs and the config does not let ci-ecs change it."""
    current = job.live.service.get("deploymentConfiguration") or {}
    wanted, changes = configs.wanted(current, ctx.settings.native)
    if changes and not ctx.settings.native.configure:
        raise PreconditionError(
            f"{'; '.join(changes)} — set native.configure: true to let ci-ecs change the service, or "
            "make the config match it"
        )
    return wanted, changes


def _render(ctx: Context, job: Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: Job) -> str:
    found = job.under_way
    reuse = found.task_definition if found and found.version == job.moved.version else ""
    arn, said = register_revision(ctx, job.live, job.new, reuse)
    job.moved = job.moved.at(arn)
    return said


def _record(ctx: Context, job: Job) -> str:
    provenance = state.Provenance.of_release(ctx.require_release())
    return state.write_release(
        ctx.aws, job.live.service, TECHNIQUE, job.moved, provenance, clear=state.NATIVE_PENDING
    )
