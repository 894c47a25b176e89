"""What every command that acts on a service shares: its settings and context, its locks, and running
its plan (reported to the forge and `notify:`, undone on cancellation)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import typer

from ci_ecs.cli.app import Globals, load_from, run
from ci_ecs.output import Console

if TYPE_CHECKING:
    from ci_ecs.notify import Notifier
    from ci_ecs.runner import Plan
    from ci_ecs.settings import Settings
    from ci_ecs.strategies.context import Context


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
