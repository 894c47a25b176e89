"""`ci-ecs build`: build, tag and push the image; hand its pinned reference to later jobs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ci_ecs.cli.app import Globals, app, flag_values, load_from, run
from ci_ecs.output import Console


@app.command()
def build(
    ctx: typer.Context,
    context: Annotated[Path, typer.Option("--context", help="Build context directory")] = Path("."),
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Dockerfile [default: CONTEXT/Dockerfile]")
    ] = None,
    image: Annotated[str | None, typer.Option(help="Repository to push to, without tag [key: image]")] = None,
    build_arg: Annotated[
        list[str] | None, typer.Option("--build-arg", help="KEY=VALUE for the Dockerfile; repeatable")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Target platform, e.g. linux/amd64")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Build the image, tag it (UTC time, commit sha, git tag) and push it; skip if the commit is pushed."""

    def build(g: Globals, console: Console) -> None:
        from ci_ecs import build as builds
        from ci_ecs.build.docker_cli import Docker

        settings = load_from(g, flag_values(image=image), require_service=False)
        request = builds.build_request(settings.image, context, file, build_arg or (), platform)
        now = datetime.now(UTC)
        tags = builds.ci_tags(os.environ, now, Path.cwd())
        docker = Docker(os.environ, console.line)
        built = builds.build(
            request, tags, docker, console, os.environ, now=now, dry_run=g.dry_run or dry_run
        )
        if built is not None:
            builds.write_build_outputs(built, tags.version, os.environ, console)

    run(ctx, build)
