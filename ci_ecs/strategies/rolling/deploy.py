"""`deploy` by a plain ECS rolling update with the deployment circuit breaker."""

from __future__ import annotations

from typing import Any

from ci_ecs import render
from ci_ecs.aws import ecs
from ci_ecs.runner import Plan, Step
from ci_ecs.strategies import state
from ci_ecs.strategies.context import Context, EndCanary, Live, inspect_service
from ci_ecs.strategies.revision import (
    find_revision,
    pin_image,
    register_new,
    render_revision,
    same_revision,
)
from ci_ecs.strategies.rolling import rollout
from ci_ecs.strategies.rolling.rollout import Job
from ci_ecs.strategies.state import Moved


def plan(ctx: Context, end_canary: EndCanary) -> Plan:
    """Register the new revision, update the service, follow its deployment, record it, end a canary."""
    s, release = ctx.settings, ctx.require_release()
    job = Job(Moved(release.version))
    return Plan(
        title=f"deploy {release.version} to {s.service} (cluster {s.cluster}) by rolling update",
        steps=(
            Step(f"inspect service {s.service}", lambda: inspect_live(ctx, job), read_only=True),
            Step("check the image", lambda: pin_image(ctx), read_only=True),
            Step("render the task definition", lambda: render_new(ctx, job), read_only=True),
            Step("register the task definition", lambda: register(ctx, job)),
            *rollout.steps(ctx, job),
            Step("record the release in the service's tags", lambda: record(ctx, job)),
            Step("remove the canary", lambda: end_canary(ctx, job.live.service)),
        ),
        record=lambda status, reason: rollout.record(ctx, job, "deploy", status, reason),
    )


def inspect_live(ctx: Context, job: Job) -> str:
    """Read the service and its live revision; learn the version it replaces (or the newer one it undoes)."""
    version = job.moved.version
    # `register` may look for the family's newest revision, unless it promotes a canary's.
    summary = inspect_service(
        ctx, job.live, controller="ECS", newest=lambda service: not state.canary_revision(service, version)
    )
    recorded, live = state.Recorded.of(job.live.service), job.live
    job.rolled_back_from, newer = _newer_live_version(ctx, recorded)
    if job.rolled_back_from:
        ctx.console.line(
            f"    this is a rollback: {job.rolled_back_from} from the newer pipeline {newer} is live; "
            f"deploying {job.moved.version} of pipeline {ctx.require_release().pipeline_id} again"
        )

    def running() -> tuple[str | None, str]:
        # Nothing recorded yet. With a rollout under way, what runs is the deployment it replaces.
        settled = _replaced_deployment(live.service)
        if settled and ecs.short_arn(settled["taskDefinition"]) != ecs.short_arn(live.arn):
            revision, revision_tags = ecs.describe_task_definition(ctx.aws, settled["taskDefinition"])
            previous = Live(live.service, revision, revision_tags)
        else:
            previous = Live({}, live.task_definition, live.task_definition_tags)
        return previous.version(ctx.require_release().image), previous.arn

    job.moved = job.moved.replacing(state.previous_release(recorded, job.moved.version, running))
    return summary


def _newer_live_version(ctx: Context, recorded: state.Recorded) -> tuple[str, int | None]:
    """The live version and its pipeline if a newer pipeline than ours deployed it, else ('', None)."""
    release = ctx.require_release()
    ours, live = release.pipeline_id, recorded.version
    if ours is None or live == release.version:
        return "", None
    if recorded.pipeline_id is not None:
        return (live, recorded.pipeline_id) if recorded.pipeline_id > ours else ("", None)
    # No pipeline recorded in AWS (deployed before ci-ecs did): ask the forge which pipeline deployed last.
    environment = ctx.settings.environment
    newest = ctx.reporter.history(environment, limit=5)[:1] if environment else []
    if (
        newest
        and newest[0].pipeline_id
        and newest[0].pipeline_id > ours
        and newest[0].version != release.version
    ):
        return newest[0].version, newest[0].pipeline_id
    return "", None


def _replaced_deployment(service: dict[str, Any]) -> dict[str, Any] | None:
    """While a rollout is under way, the newest ACTIVE deployment: the one it replaces."""
    if ecs.primary_deployment(service).get("rolloutState") != "IN_PROGRESS":
        return None
    active = [d for d in service.get("deployments", []) if d.get("status") == "ACTIVE"]
    return max(active, key=lambda d: str(d.get("createdAt", "")), default=None)


def render_new(ctx: Context, job: Job) -> str:
    """Render the new revision (with --dry-run, print how it differs from the live one)."""
    job.new = render_revision(ctx, job.live)
    live = job.live
    if ctx.dry_run:
        lines = render.diff(render.registerable(live.task_definition), job.new)
        ctx.console.line(f"    changes to {ecs.short_arn(live.arn)}:" if lines else "    no changes")
        for line in lines:
            ctx.console.line(f"    {line}")
    same = " (same as the live revision)" if same_revision(live.task_definition, job.new) else ""
    return f"{job.new['family']} with image {ctx.require_release().reference}{same}"


def register(ctx: Context, job: Job) -> str:
    """The revision to run: the canary's, the live one, an earlier one of this version, else a new one."""
    version, live = job.moved.version, job.live
    canary = state.canary_revision(live.service, version)
    if canary:
        # The canary proved this revision: promote exactly it.
        job.moved = job.moved.at(canary)
        return f"promoting the canary's {ecs.short_arn(canary)}"
    if same_revision(live.task_definition, job.new):
        job.moved = job.moved.at(live.arn)
        return f"the live revision {ecs.short_arn(live.arn)} already is this version: reusing it"
    if job.rolled_back_from:
        # Going back: the revision that ran this version before is exactly what to run again.
        earlier = find_revision(ctx, job.new["family"], version)
        if earlier:
            job.moved = job.moved.at(earlier)
            return f"{version} ran as {ecs.short_arn(earlier)} before: reusing it"
    arn, done = register_new(ctx, job.new, live)
    job.moved = job.moved.at(arn)
    return done


def record(ctx: Context, job: Job) -> str:
    """Record the release in the service's tags."""
    provenance = state.Provenance.of_release(ctx.require_release())
    return state.write_release(
        ctx.aws,
        job.live.service,
        rollout.TECHNIQUE,
        job.moved,
        provenance,
        rolled_back_from=job.rolled_back_from,
    )
