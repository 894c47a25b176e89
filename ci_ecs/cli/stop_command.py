"""`ci-ecs stop`: remove a review environment (its rule, service and target group)."""

from __future__ import annotations

from typing import Annotated

import typer

from ci_ecs.cli.app import Cluster, Globals, Region, Service, WaitForLock, app, flag_values, run
from ci_ecs.errors import ConfigError, NothingToDo
from ci_ecs.output import Console


@app.command()
def stop(
    ctx: typer.Context,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    wait_for_lock: WaitForLock = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Remove the review environment of --environment (or $CI_ENVIRONMENT_NAME): its listener rule first,
    then its service (scaled to 0), then its target group. Stopping one already stopped exits 0.

    Example, in a GitLab `on_stop` job: `ci-ecs --environment review/$CI_COMMIT_REF_SLUG stop`.
    """
    flags = flag_values(cluster=cluster, service=service, region=region, **{"lock.wait": wait_for_lock})

    def job(g: Globals, console: Console) -> None:
        from ci_ecs import lock, review
        from ci_ecs.cli.cancellation import cancellable
        from ci_ecs.cli.service_job import locked, service_context
        from ci_ecs.runner import execute

        g.dry_run = g.dry_run or dry_run
        context = service_context(g, console, flags, needs_release=False)
        if not context.settings.review.enabled:
            raise ConfigError(
                f"review.listener: {context.settings.environment or 'no environment'} is not a review "
                "environment — `stop` removes review environments; give it `review:` settings (e.g. in "
                "`environments: review/*:`) and pass --environment review/<name>"
            )
        plan = review.stop.plan(context, review.job_for(context))
        if context.dry_run:
            execute(plan, console, dry_run=True)
            return
        service = [locked(context.settings, context.env)]
        with cancellable(console), lock.held_by_this_job(context.aws, service, "stop", context.env, console):
            try:
                execute(plan, console)
            except NothingToDo:
                # A stop killed after its last AWS call has not told the forge yet: its re-run does.
                context.reporter.stopped(context.settings.environment or "")
                raise
            context.reporter.stopped(context.settings.environment or "")

    run(ctx, job)
