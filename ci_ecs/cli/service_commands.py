"""The commands that read a service or mend its state: render, status, unlock."""

from __future__ import annotations

import typer

from ci_ecs.cli.app import (
    Cluster,
    Container,
    Globals,
    Image,
    Region,
    Service,
    TaskDefinition,
    app,
    flag_values,
    load_from,
    run,
)
from ci_ecs.cli.service_job import one_service, service_context
from ci_ecs.output import Console


@app.command()
def render(
    ctx: typer.Context,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
) -> None:
    """Print the task definition `deploy` would register (secret-looking values redacted); with `services:`,
    each service's by name (or --service's alone)."""
    flags = flag_values(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
    )

    def render(g: Globals, console: Console) -> None:
        from ci_ecs.settings import of_service
        from ci_ecs.strategies.revision import rendered

        settings = load_from(g, {**flags, "service": None})
        if not settings.services or service is not None:
            console.json(rendered(service_context(g, console, flags, settings=one_service(g, flags))))
            return
        each = {e.service: of_service(settings, e) for e in settings.services}
        console.json(
            {name: rendered(service_context(g, console, flags, settings=s)) for name, s in each.items()}
        )

    run(ctx, render)


@app.command()
def status(
    ctx: typer.Context,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
) -> None:
    """Show the live version, deployments, target health and ci-ecs tags of the service."""

    def status(g: Globals, console: Console) -> None:
        from ci_ecs import status as statuses
        from ci_ecs.aws.clients import Aws
        from ci_ecs.settings import of_service

        settings = load_from(g, flag_values(cluster=cluster, service=service, region=region))
        job = Aws(settings.region, settings.role_arn)
        for one in [of_service(settings, e) for e in settings.services] or [settings]:
            statuses.show(job.elsewhere(one.region, one.role_arn), one, console)

    run(ctx, status)


@app.command()
def unlock(
    ctx: typer.Context,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
) -> None:
    """Break the service's lock, whoever holds it: only when you know that job is gone."""

    def unlock(g: Globals, console: Console) -> None:
        from ci_ecs import lock
        from ci_ecs.aws.clients import Aws

        settings = load_from(g, flag_values(cluster=cluster, service=service, region=region))
        console.line(lock.unlock(Aws(settings.region, settings.role_arn), settings, console))

    run(ctx, unlock)
