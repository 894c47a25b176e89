"""The commands that act on a service: deploy, canary-deploy, rollback, render, status."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from ci_ecs.cli.app import (
    CircuitBreaker,
    Cluster,
    Container,
    Globals,
    Image,
    Region,
    Service,
    TaskDefinition,
    Timeout,
    WaitForLock,
    app,
    flag_values,
    load_from,
    run,
)
from ci_ecs.errors import ConfigError
from ci_ecs.model import TAG
from ci_ecs.output import Console

if TYPE_CHECKING:
    from ci_ecs.notify import Notifier
    from ci_ecs.runner import Plan
    from ci_ecs.settings import Settings
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


def locked(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The settings whose service a job locks: a review environment's own service, else the service."""
    if not settings.review.enabled:
        return settings
    from ci_ecs.review import names

    review = names.names(settings.service, names.slug_of(settings.environment, env))
    return dataclasses.replace(settings, service=review.service)


def locks(settings: Settings, env: Mapping[str, str]) -> list[Settings]:
    """The settings of each service a job locks (all taken at once, in one transaction)."""
    from ci_ecs.settings import of_service

    several = [of_service(settings, e) for e in settings.services]
    return sorted(several, key=lambda s: (s.cluster, s.service)) or [locked(settings, env)]


def one_service(g: Globals, flags: dict[str, str | None]) -> Settings:
    """The settings of a command about one service: with `services:`, the one --service names, else the
    first listed."""
    from ci_ecs.settings import service_named

    settings = load_from(g, {**flags, "service": None})
    return service_named(settings, flags.get("service")) if settings.services else load_from(g, flags)


def service_context(
    g: Globals,
    console: Console,
    flags: dict[str, str | None],
    *,
    needs_release: bool = True,
    settings: Settings | None = None,
) -> Context:
    """The job's context from the settings (given, else loaded with these flags)."""
    from ci_ecs.aws.clients import Aws
    from ci_ecs.forge import reporter_for
    from ci_ecs.release import resolve_release
    from ci_ecs.strategies.context import Context

    settings = settings or load_from(g, flags)
    console.log_lines = settings.diagnostics.log_lines
    release = resolve_release(settings, os.environ) if needs_release else None
    # Deployments belong to an environment: without one there is nothing to report or to ask.
    forge = settings.forge if settings.environment else "none"
    reporter = reporter_for(forge, os.environ, console, tier=os.environ.get("CI_ENVIRONMENT_TIER"))
    return Context(
        settings,
        release,
        Aws(settings.region, settings.role_arn),
        console,
        dict(os.environ),
        dry_run=g.dry_run,
        reporter=reporter,
    )


def run_plan(
    ctx: typer.Context,
    command: str,
    flags: dict[str, str | None],
    dry_run: bool,
    make_plan: Callable[[Context], Plan],
    *,
    needs_release: bool = True,
    then: Callable[[Context], Plan | None] | None = None,
) -> None:
    """Load the settings, then — holding the service's lock, and undoing on cancellation — build the
    command's plan and execute it (with --dry-run, only print it: no lock, nothing changes).

    `then` gives the plan that follows in the same job once the first succeeded (None: none follows).
    """

    def plans(context: Context, notifier: Notifier) -> None:
        from ci_ecs.preflight import items

        plan = make_plan(context)
        if command in ("deploy", "canary-deploy"):  # what `ci-ecs check` checks
            plan = items.before_changes(plan, context)
        execute_plan(plan, context, notifier)
        following = then(context) if then is not None else None
        if following is not None:
            execute_plan(following, context, notifier)

    def job(g: Globals, console: Console) -> None:
        from ci_ecs import lock
        from ci_ecs.cli.cancellation import cancellable
        from ci_ecs.notify import notifier_for

        g.dry_run = g.dry_run or dry_run
        context = service_context(g, console, flags, needs_release=needs_release)
        notifier = notifier_for(context.settings, context.env, console)  # a missing variable: exit 2 here
        if context.dry_run:
            plans(context, notifier)
            return
        several = locks(context.settings, context.env)
        with cancellable(console), lock.held_by_this_job(context.aws, several, command, context.env, console):
            plans(context, notifier)

    run(ctx, job)


def execute_plan(plan: Plan, context: Context, notifier: Notifier | None = None) -> None:
    """Run a plan that changes the service, reporting to the forge, to later jobs and to `notify:`."""
    from ci_ecs.checks import slow_settings
    from ci_ecs.runner import Reporting, execute

    s = context.settings
    reporting = Reporting(context.reporter, s.environment, s.url, context.env, notifier)
    undo_on_cancel = s.on_cancel == "rollback"
    # an ECS rolling update's batches (not yet looked into for `services:`)
    rolled = (s.cluster, s.service) if s.strategy == "rolling" and not s.services else None
    execute(
        plan,
        context.console,
        dry_run=context.dry_run,
        reporting=reporting,
        undo_on_cancel=undo_on_cancel,
        where_time_went=lambda origin, seconds: slow_settings.where_time_went(
            context.aws, origin, seconds, rolled
        ),
    )


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
