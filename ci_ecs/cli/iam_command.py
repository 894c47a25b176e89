"""`ci-ecs iam-policy`: print the least-privilege IAM policy of the configured technique's jobs."""

from __future__ import annotations

from typing import Annotated

import typer

from ci_ecs.cli.app import Cluster, Globals, Image, Region, Service, app, flag_values, load_from, run
from ci_ecs.errors import ConfigError
from ci_ecs.output import Console
from ci_ecs.settings import Settings


@app.command("iam-policy")
def iam_policy(
    ctx: typer.Context,
    technique: Annotated[
        str | None,
        typer.Option(
            help="rolling, task, service, taskset, codedeploy, switch or native [default: the configured "
            "strategy and canary.mode]"
        ),
    ] = None,
    build: Annotated[
        bool, typer.Option("--build", help="Add what `ci-ecs build` needs: the ECR push.")
    ] = False,
    run_task: Annotated[
        bool,
        typer.Option("--run", help="Add what `ci-ecs run` needs: running, following and stopping its task."),
    ] = False,
    reviews: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Add what review environments need (`deploy` and `stop` of `<service>-<slug>`); implied "
            "by an --environment with `review:` settings.",
        ),
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            metavar="ARN",
            help="With `services:`: print instead the policy of this role, which services in another "
            "account name as their `role_arn` (the job's own policy lets it assume the role).",
        ),
    ] = None,
    cluster: Cluster = None,
    service: Service = None,
    region: Region = None,
    image: Image = None,
) -> None:
    """Print the least-privilege IAM policy (JSON) the CI role needs to run this service's jobs."""

    def show(g: Globals, console: Console) -> None:
        from ci_ecs import iam_policy
        from ci_ecs.iam_policy import lookup

        settings = load_from(g, flag_values(cluster=cluster, service=service, region=region, image=image))
        if settings.services:
            show_services(settings, console)
            return
        if role is not None:
            raise ConfigError("--role: applies only with `services:` whose services set a `role_arn`")
        chosen = iam_policy.technique_named(technique) if technique else iam_policy.technique_of(settings)
        where, notes = lookup.target(settings, chosen)
        for note in notes:
            console.warn(note)
        console.json(iam_policy.policy(settings, chosen, where, build=build, run=run_task, reviews=reviews))

    def show_services(settings: Settings, console: Console) -> None:
        from ci_ecs import iam_policy
        from ci_ecs.iam_policy import several

        chosen = iam_policy.technique_named(technique) if technique else None
        found = several.policies(settings, chosen, console.warn, build=build, run=run_task, reviews=reviews)
        if role is not None and role not in found.roles:
            named = ", ".join(found.roles) or "none"
            raise ConfigError(f"--role: no service of `services:` has role_arn {role} (they name: {named})")
        for arn in found.roles if role is None else ():
            console.warn(
                f"services in another account act as {arn}: its policy is `ci-ecs iam-policy --role {arn}`"
            )
        console.json(found.roles[role] if role is not None else found.job)

    run(ctx, show)
