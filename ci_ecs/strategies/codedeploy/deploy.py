"""`canary-deploy` and `deploy` by CodeDeploy blue/green: a canary waits at Ready, deploy shifts traffic."""

from __future__ import annotations

from typing import Any

from ci_ecs.aws import codedeploy
from ci_ecs.checks.codedeploy import Seen
from ci_ecs.model import Command
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.codedeploy import analysis, steps
from ci_ecs.strategies.codedeploy import group as groups
from ci_ecs.strategies.codedeploy.steps import TECHNIQUE, Job
from ci_ecs.strategies.context import Context, Live, inspect_service
from ci_ecs.strategies.revision import pin_image, register_revision, render_revision
from ci_ecs.strategies.state import Moved


def canary_plan(ctx: Context) -> Plan:
    """Start a deployment that stops at Ready: the replacement serves the test listener, production waits."""
    s, release = ctx.settings, ctx.require_release()
    job = Job(Moved(release.version))
    return Plan(
        title=f"canary {release.version} of {s.service} (cluster {s.cluster}) by CodeDeploy blue/green",
        steps=(
            *_prepare(ctx, job, hold=True),
            _start(ctx, job, "canary-deploy", "create the deployment"),
            Step("wait until the replacement serves the test listener", lambda: steps.wait_ready(ctx, job)),
            *(
                [Step("analyse the replacement on the test listener's traffic", lambda: _at_ready(ctx, job))]
                if s.analysis.enabled
                else []
            ),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, job, "canary-deploy", status, reason),
    )


def deploy_plan(ctx: Context) -> Plan:
    """Continue the canary's deployment (or create one), shift production to it, record the release."""
    s, release = ctx.settings, ctx.require_release()
    job = Job(Moved(release.version))
    return Plan(
        title=f"deploy {release.version} to {s.service} (cluster {s.cluster}) by CodeDeploy blue/green",
        steps=(
            *_prepare(ctx, job, hold=False),
            _start(ctx, job, "deploy", "start the deployment"),
            Step("wait until the replacement is ready", lambda: steps.wait_ready(ctx, job)),
            Step("shift production traffic", lambda: _shift(ctx, job)),
            Step("record the release in the service's tags", lambda: _record(ctx, job)),
        ),
        record=lambda status, reason: steps.deployment_record(ctx, job, "deploy", status, reason),
    )


def _prepare(ctx: Context, job: Job, *, hold: bool) -> tuple[Step, ...]:
    """Read and check everything, then create the group if missing and register the revision."""
    s = ctx.settings
    return (
        Step(f"inspect service {s.service}", lambda: inspect(ctx, job, hold=hold), read_only=True),
        Step("check the image", lambda: pin_image(ctx), read_only=True),
        *(
            [Step("check the canary analysis", lambda: analysis.check(ctx, job), read_only=True)]
            if s.analysis.enabled
            else []
        ),
        Step("render the task definition", lambda: _render(ctx, job), read_only=True),
        Step(
            "create the CodeDeploy application and deployment group",
            lambda: groups.ensure(ctx.aws, s, job.group),
        ),
        Step("register the task definition", lambda: _register(ctx, job)),
    )


def _at_ready(ctx: Context, job: Job) -> str:
    """The replacement at Ready: measured on the test listener's traffic (production untouched)."""
    if job.seen is None or job.seen.status != "Ready":
        return "past Ready: production traffic is on the replacement, nothing to analyse before it"
    return analysis.judge(ctx, job.seen, "the test listener's traffic")


def _shift(ctx: Context, job: Job) -> str:
    """Shift production; with an analysis, the replacement is measured at each share the config holds."""
    if not ctx.settings.analysis.enabled:
        return steps.shift(ctx, job)

    def analyse(seen: Seen, share: float) -> str:
        return analysis.judge(ctx, seen, f"{share:g}% of production traffic")

    return steps.shift(ctx, job, analysis.split, analyse)


def _start(ctx: Context, job: Job, command: Command, name: str) -> Step:
    """Create (or follow) the deployment; undone by stopping it with rollback."""
    return Step(name, lambda: steps.start(ctx, job, command), lambda: steps.stop(ctx, job))


def inspect(ctx: Context, job: Job, *, hold: bool) -> str:
    """The service (CODE_DEPLOY controller), its group, the deployment under way, the previous release."""
    summary = inspect_service(ctx, job.live, controller="CODE_DEPLOY")
    job.group, group = groups.read(ctx.aws, ctx.settings, hold=hold)
    found = steps.find_active(ctx, job)
    steps.require_no_other(job)
    recorded, live = state.Recorded.of(job.live.service), job.live
    running = (live.version(ctx.settings.image), live.arn)
    job.moved = job.moved.replacing(state.previous_release(recorded, job.moved.version, lambda: running))
    return f"{summary}; {group}; {found}"


def _render(ctx: Context, job: Job) -> str:
    job.new = render_revision(ctx, job.live)
    return f"{job.new['family']} with image {ctx.require_release().reference}"


def _register(ctx: Context, job: Job) -> str:
    active = job.active
    reuse = active.task_definition if active and active.version == job.moved.version else ""
    arn, said = register_revision(ctx, job.live, job.new, reuse)
    job.moved = job.moved.at(arn)
    return said


def _record(ctx: Context, job: Job) -> str:
    provenance = state.Provenance.of_release(ctx.require_release())
    return state.write_release(
        ctx.aws, job.live.service, TECHNIQUE, job.moved, provenance, clear=state.CODEDEPLOY_PENDING
    )


def status(ctx: Context, service: dict[str, Any]) -> dict[str, Any] | None:
    """The group's deployment under way (for `ci-ecs status`): id, status, version, green share."""
    job = Job(Moved(""), Live(service), groups.named(ctx.settings))
    job.group.info = codedeploy.get_group(ctx.aws, job.group.application, job.group.name)
    steps.find_active(ctx, job)
    if job.active is None:
        return None
    ids = codedeploy.target_ids(ctx.aws, job.active.id)
    targets = tuple(codedeploy.ecs_targets(ctx.aws, job.active.id, ids))
    return {
        "deployment": job.active.id,
        "status": job.active.status,
        "version": job.active.version,
        "green_share": Seen({}, targets).green_share,
    }
