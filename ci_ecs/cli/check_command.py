"""`ci-ecs check`: the read-only preflight of the configured technique; deploy and canary-deploy run it."""

from __future__ import annotations

import typer

from ci_ecs.cli.app import Cluster, Globals, Image, Region, Service, app, flag_values, run
from ci_ecs.errors import ConfigError
from ci_ecs.output import Console


@app.command()
def check(
    ctx: typer.Context,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
) -> None:
    """Check what the configured technique needs, changing nothing (exit 3 listing every missing item)."""
    flags = flag_values(image=image, cluster=cluster, service=service, region=region)

    def check(g: Globals, console: Console) -> None:
        from ci_ecs import preflight
        from ci_ecs.cli.service_job import service_context
        from ci_ecs.iam_policy import technique_of
        from ci_ecs.preflight import items

        try:
            context = service_context(g, console, flags)
        except ConfigError as exc:
            if not str(exc).startswith(("image: no tag", "image: missing")):
                raise
            context = service_context(g, console, flags, needs_release=False)  # the image item says so
        s = context.settings
        several = [context.for_service(e).settings for e in s.services]
        technique = ", ".join(dict.fromkeys(technique_of(one) for one in several or [s]))
        service = ", ".join(one.service for one in several) or s.service
        cluster = ", ".join(dict.fromkeys(one.cluster for one in several or [s]))
        console.line(f"checking {service} (cluster {cluster}) for technique {technique}")
        results = items.results_of(context)
        for result in results:
            console.line(result.line())
        console.document(
            {
                "ok": not preflight.failed(results),
                "technique": technique,
                "service": service,
                "cluster": cluster,
                "items": [r.as_dict() for r in results],
            }
        )
        preflight.require(results)
        unchecked = sum(r.status == "not checked" for r in results)
        console.line("all prerequisites are in place" + (f" ({unchecked} not checked)" if unchecked else ""))

    run(ctx, check)
