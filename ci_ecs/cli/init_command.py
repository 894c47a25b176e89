"""`ci-ecs init`: write ci-ecs.yml from a live service and the pipeline that runs it, then check it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ci_ecs.cli.app import Globals, Region, app, run
from ci_ecs.output import Console

if TYPE_CHECKING:
    from ci_ecs.aws.clients import Aws
    from ci_ecs.preflight import Result


# The exit codes of init, for its --help.
_EXITS = (
    "Exit 0 when every prerequisite is in place; 3 when the files were written but some are missing "
    "(listed), or when the service is missing or lacks what its technique needs (nothing written); 2 when "
    "a file exists (--force overwrites it) or an option is wrong (nothing written)."
)


@app.command(epilog=_EXITS)
def init(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Option(help="The ECS cluster of the service")],
    service: Annotated[str, typer.Option(help="The ECS service to deploy (for switch: any of its versions)")],
    technique: Annotated[
        str | None,
        typer.Option(
            help="rolling, task, service, taskset, codedeploy, switch or native [default: what the service's "
            "deployment controller and strategy say]"
        ),
    ] = None,
    forge: Annotated[
        str | None,
        typer.Option(
            help="gitlab (.gitlab-ci.yml), github (.github/workflows/) or none [default: the CI running it, "
            "else the git remote]"
        ),
    ] = None,
    container: Annotated[
        str | None,
        typer.Option(help="The container whose image deploys replace [default: the essential one]"),
    ] = None,
    region: Region = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    component: Annotated[
        str | None, typer.Option(help="The GitLab component to include [default: ci-ecs's release]")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="The GitHub action to use [default: ci-ecs's release]")
    ] = None,
) -> None:
    """Write ci-ecs.yml from the live service and its pipeline (GitLab or GitHub), then check them."""

    def init(g: Globals, console: Console) -> None:
        from ci_ecs import init as scaffold
        from ci_ecs.aws.clients import Aws
        from ci_ecs.iam_policy import technique_named
        from ci_ecs.init import discover, pipeline
        from ci_ecs.settings import DEFAULT_CONFIG

        chosen = technique_named(technique) if technique else None
        where = scaffold.forge_of(forge, os.environ, Path.cwd())
        config = g.config or Path(DEFAULT_CONFIG)
        scaffold.refuse_existing([config, *pipeline.paths(where)], force)
        aws = Aws(region)
        draft, running = discover.draft(aws, cluster, service, technique=chosen, container=container)
        text = draft.text(scaffold.header(service, cluster, draft.region, running))
        scaffold.validate(text, config)
        files = {
            config: text,
            **pipeline.files(
                where,
                draft,
                config.as_posix(),
                component=component or pipeline.COMPONENT,
                action=action or pipeline.ACTION,
            ),
        }
        scaffold.write(files)
        console.line(f"{draft.service}: technique {draft.technique} — {draft.why}")
        for path in files:
            console.line(f"wrote {path}")
        results = _check(g, console, aws, config, running)
        failed = [r for r in results if r.status == "failed"]
        todo = [*(f"{r.name}: {r.detail}" for r in failed), *draft.notes, *pipeline.setup(where)]
        if todo:
            console.line("still to do:")
            for item in todo:
                console.line(f"  - {item}")
        console.document(
            {
                "ok": not failed,
                "technique": draft.technique,
                "files": [str(p) for p in files],
                "items": [r.as_dict() for r in results],
                "todo": todo,
            }
        )
        if failed:
            raise scaffold.StillMissing(
                f"wrote {', '.join(map(str, files))}, but {len(failed)} of the prerequisites are missing "
                "(listed above) — fix them, then run `ci-ecs check`"
            )
        unchecked = sum(r.status == "not checked" for r in results)
        console.line("all prerequisites are in place" + (f" ({unchecked} not checked)" if unchecked else ""))

    run(ctx, init)


def _check(g: Globals, console: Console, aws: Aws, config: Path, running: str) -> list[Result]:
    """`ci-ecs check` of the written configuration, the image it runs now standing for the next version."""
    from ci_ecs import preflight
    from ci_ecs.errors import ConfigError
    from ci_ecs.iam_policy import technique_of
    from ci_ecs.preflight import items
    from ci_ecs.release import resolve_release
    from ci_ecs.settings import load_settings
    from ci_ecs.strategies.context import Context

    settings = load_settings(config, environment=g.environment, env=os.environ, flags={"image": running})
    release: Any
    try:
        release = resolve_release(settings, {})
    except ConfigError:  # the running image names no version (`latest`): the image item says so
        release = None
    context = Context(settings, release, aws, console, dict(os.environ))
    console.line(
        f"checking {settings.service} (cluster {settings.cluster}) for technique {technique_of(settings)}"
    )
    results = preflight.run(items.items(context, technique_of(settings)))
    for result in results:
        console.line(result.line())
    return results
