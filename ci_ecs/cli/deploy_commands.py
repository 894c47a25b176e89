"""The commands that change a service's version: deploy, canary-deploy, rollback."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Annotated

import typer

from ci_ecs.cli.app import (
    CircuitBreaker,
    Cluster,
    Container,
    Image,
    Region,
    Service,
    TaskDefinition,
    Timeout,
    WaitForLock,
    app,
    flag_values,
)
from ci_ecs.cli.service_job import run_plan
from ci_ecs.errors import ConfigError
from ci_ecs.model import TAG

if TYPE_CHECKING:
    from ci_ecs.runner import Plan
    from ci_ecs.strategies.context import Context
    from ci_ecs.strategies.technique import Technique

# What `rollback --to` takes: an image tag, or the short digest that names a version deployed by digest.
_VERSION = re.compile(rf"{TAG.pattern}|sha256:[0-9a-f]{{12,64}}")


def _technique(context: Context) -> Technique:
    """The technique of the job's settings (imported when a command runs: it pulls in boto3)."""
    from ci_ecs.strategies import registry

    if context.settings.review.enabled:
        raise ConfigError(
            f"review.listener: {context.settings.environment or 'this environment'} is a review environment: "
            "it has `deploy` and `stop` only (from "
            f"{context.settings.sources.get('review.listener', 'the configuration')})"
        )
    return registry.technique(context.settings)


def _deploy_plan(context: Context) -> Plan:
    """A review environment's deploy, or the technique's."""
    if not context.settings.review.enabled:
        return _technique(context).deploy_plan(context)
    from ci_ecs import review

    job = review.job_for(context)
    context.settings = dataclasses.replace(context.settings, url=review.address(context, job))
    return review.deploy.plan(context, job)


@app.command()
def deploy(
    ctx: typer.Context,
    image: Image = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
    timeout: Timeout = None,
    wait_for_lock: WaitForLock = None,
    circuit_breaker: CircuitBreaker = None,
    wait_until: Annotated[
        str | None,
        typer.Option(
            "--wait-until",
            help="strategy native: stop following at traffic-shifted, baked or done (SUCCESSFUL) "
            "[key: native.wait_until]",
        ),
    ] = None,
    auto: Annotated[
        bool,
        typer.Option(
            "--auto",
            help="Run the canary first (canary-deploy), its analysis judging every step, then deploy; "
            "the same as `analysis.promote: auto` [key: analysis.promote]",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Roll the new version out to the whole service (--auto: after a canary that passed its analysis).

    With `services:`, every service by its own technique, wave by wave (a canary promoted where one is up).

    In a review environment (`review:` settings): create or update its service `<service>-<slug>`, target
    group and listener rule, and report its URL; `ci-ecs stop` removes them.
    """
    flags = flag_values(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
        **{
            "wait.timeout": timeout,
            "rolling.circuit_breaker": circuit_breaker,
            "lock.wait": wait_for_lock,
            "native.wait_until": wait_until,
            "analysis.promote": "auto" if auto else None,
        },
    )
    if auto:
        run_plan(ctx, "deploy", flags, dry_run, _canary_plan, then=_promotion)
        return
    run_plan(ctx, "deploy", flags, dry_run, _deploy_plan)


def _canary_plan(context: Context) -> Plan:
    return _technique(context).canary_plan(context)


def _promotion(context: Context) -> Plan | None:
    """After a canary: the deploy, when the analysis promotes by itself (`analysis.promote: auto`)."""
    if context.settings.analysis.promote != "auto":
        return None
    context.console.line(
        f"canary analysis passed at every step: promoting {context.require_release().version}"
    )
    return _technique(context).deploy_plan(context)


@app.command("canary-deploy")
def canary_deploy(
    ctx: typer.Context,
    image: Image = None,
    weight: Annotated[
        str | None, typer.Option(help="taskset mode: percent of traffic for the canary [key: canary.weight]")
    ] = None,
    count: Annotated[
        str | None, typer.Option(help="task/service mode: canary tasks [key: canary.count]")
    ] = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    container: Container = None,
    task_definition: TaskDefinition = None,
    timeout: Timeout = None,
    wait_for_lock: WaitForLock = None,
    auto: Annotated[
        bool,
        typer.Option(
            "--auto",
            help="When the canary's analysis passes at every step, deploy in the same job [key: "
            "analysis.promote]",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Put the new version beside the stable one: a canary (canary.mode), or a prepared blue/green version.

    With `services:`, on each service that has one; the others are left to `deploy`.
    """
    flags = flag_values(
        image=image,
        cluster=cluster,
        service=service,
        region=region,
        container=container,
        task_definition=task_definition,
        **{
            "wait.timeout": timeout,
            "canary.weight": weight,
            "canary.count": count,
            "lock.wait": wait_for_lock,
            "analysis.promote": "auto" if auto else None,
        },
    )

    run_plan(ctx, "canary-deploy", flags, dry_run, _canary_plan, then=_promotion)


@app.command()
def rollback(
    ctx: typer.Context,
    to: Annotated[
        str | None, typer.Option("--to", help="Go back to this version instead of the previous one")
    ] = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    image: Annotated[
        str | None, typer.Option(help="Image repository, to find --to VERSION by its tag [key: image]")
    ] = None,
    timeout: Timeout = None,
    wait_for_lock: WaitForLock = None,
    circuit_breaker: CircuitBreaker = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Same as the global --dry-run.")] = False,
) -> None:
    """Return the service to the previous good version (or --to VERSION); with `services:`, every service
    (those that take traffic first)."""
    flags = flag_values(
        cluster=cluster,
        service=service,
        region=region,
        image=image,
        **{"wait.timeout": timeout, "rolling.circuit_breaker": circuit_breaker, "lock.wait": wait_for_lock},
    )

    def plan(context: Context) -> Plan:
        from ci_ecs.release import pipeline_release

        if to is not None and not _VERSION.fullmatch(to):
            raise ConfigError(
                f"--to: {to!r} is not a version — give an image tag (letters, digits, _ . -, at most 128) "
                "or sha256:<12 hex digits>, or leave --to out for the previous version"
            )
        if to is None:  # in a pipeline, roll back that pipeline's release only
            context.pipeline_release = pipeline_release(context.settings, context.env)
        return _technique(context).rollback_plan(context, to)

    run_plan(ctx, "rollback", flags, dry_run, plan, needs_release=False)
