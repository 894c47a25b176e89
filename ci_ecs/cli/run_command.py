"""`ci-ecs run -- COMMAND…`: a one-off task of the release (a database migration before the deploy)."""

from __future__ import annotations

from typing import Annotated

import typer

from ci_ecs.cli.app import Cluster, Globals, Image, Region, Service, TaskDefinition, app, flag_values, run
from ci_ecs.output import Console


@app.command("run")
def run_command(
    ctx: typer.Context,
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="-- COMMAND...", help="The command and its arguments", show_default=False),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="Follow the task until it stops and exit with its outcome (--no-wait: exit once started).",
        ),
    ] = True,
    timeout: Annotated[
        str | None,
        typer.Option("--timeout", help="Stop the task and exit 1 after, e.g. 30m [key: wait.timeout]"),
    ] = None,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Annotated[
        list[str] | None,
        typer.Option(
            help="The container to run the command in (its image is the release's) [key: container]"
        ),
    ] = None,
    task_definition: TaskDefinition = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Run COMMAND once in a task of the new version, as the service runs its tasks; exit with its outcome.

    The task uses the revision `deploy` would register (reused by the deploy that follows), the service's
    launch type, platform version and network, and the command in place of the container's own. Its state
    changes and its log lines are shown; exit 0 when the command exits 0, 1 otherwise (the exit code shown),
    or on timeout (the task is stopped). A cancelled job stops the task. With `services:`, the task is one
    of the service --service names (else the first listed). Example:
    `ci-ecs run -- ./manage.py migrate --noinput`.
    """
    flags = flag_values(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
        **{"wait.timeout": timeout},
    )

    def job(g: Globals, console: Console) -> None:
        from ci_ecs import one_off
        from ci_ecs.cli.cancellation import cancellable
        from ci_ecs.cli.service_job import one_service, service_context

        words = one_off.check_command(command or [])
        g.dry_run = g.dry_run or dry_run
        context = service_context(g, console, flags, settings=one_service(g, flags))
        with cancellable(console):
            one_off.run(context, words, wait=wait)

    run(ctx, job)
