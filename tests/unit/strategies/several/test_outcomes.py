"""The record of a `services:` job holds each service: cluster, region, versions, revisions, its end."""

from __future__ import annotations

import pytest

from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import DeploymentRecord, ServiceOutcome, ServiceState
from ci_ecs.runner import run
from ci_ecs.strategies.several import canary, deploy, rollback
from tests.unit.strategies.several import test_compose as compose
from tests.unit.strategies.several import test_rollback as back

IN_WAVES = ("api", "admin", "web")  # web comes after api: the second wave


def _deployed(name: str, state: ServiceState) -> ServiceOutcome:
    """A service the fake deploy plans move from v1 (revision 1) to v2 (revision 2)."""
    return ServiceOutcome(
        name, "demo", "us-east-1", "v2", f"arn:td/{name}:2", "v1", f"arn:td/{name}:1", state
    )


def _states(record: DeploymentRecord) -> dict[str, str]:
    return {s.service: s.state for s in record.services}


def test_a_deploy_records_every_service_with_its_version_revision_and_previous_ones() -> None:
    fake = compose.Fake()
    ctx, _ = compose._context()
    plan = deploy.plan(ctx, fake.technique_of)

    run(compose._without_pin(plan), ctx.console)

    assert plan.record is not None
    assert plan.record("success", None).services == tuple(_deployed(n, "deployed") for n in IN_WAVES)


def test_before_it_ends_every_service_is_in_progress() -> None:
    ctx, _ = compose._context()
    plan = deploy.plan(ctx, compose.Fake().technique_of)

    assert plan.record is not None
    record = plan.record("in_progress", None)
    assert [(s.service, s.state) for s in record.services] == [(n, "in progress") for n in IN_WAVES]
    assert record.details["services"] == ""


@pytest.mark.parametrize(("on_failure", "completed"), [("rollback-all", "rolled back"), ("keep", "kept")])
def test_a_failed_deploy_says_which_services_went_back_and_which_were_kept(
    on_failure: str, completed: ServiceState
) -> None:
    fake = compose.Fake(fails="web deploy wait")
    ctx, _ = compose._context(on_failure)
    plan = deploy.plan(ctx, fake.technique_of)

    with pytest.raises(DeploymentFailed):
        run(compose._without_pin(plan), ctx.console)

    assert plan.record is not None
    record = plan.record("failed", "web deploy wait failed")
    assert _states(record) == {"api": completed, "admin": completed, "web": "rolled back"}
    assert record.services[0] == _deployed("api", completed)  # the revisions of the job, kept or not


def test_a_deploy_that_never_reached_a_service_says_it_was_not_deployed() -> None:
    fake = compose.Fake(fails="api deploy start")
    ctx, _ = compose._context()
    plan = deploy.plan(ctx, fake.technique_of)

    with pytest.raises(DeploymentFailed):
        run(compose._without_pin(plan), ctx.console)

    assert plan.record is not None
    assert _states(plan.record("failed", "api deploy start failed"))["web"] == "not deployed"


def test_a_canary_deploy_names_the_canaries_and_leaves_the_others_without_a_version() -> None:
    fake = compose.Fake(plain=("admin",))
    ctx, _ = compose._context()
    plan = canary.plan(ctx, fake.technique_of)

    run(compose._without_pin(plan), ctx.console)

    assert plan.record is not None
    services = plan.record("success", None).services
    assert _states(plan.record("success", None)) == {"api": "canary", "admin": "left alone", "web": "canary"}
    assert services[1] == ServiceOutcome("admin", "demo", "us-east-1", "", "", state="left alone")


def test_a_rollback_says_which_services_went_back_which_did_not_and_which_were_left_alone() -> None:
    fake = back.Fake(fails="web shift", left=("admin",))
    ctx = back._context()
    plan = rollback.plan(ctx, None, fake.technique_of)

    with pytest.raises(DeploymentFailed):
        run(plan, ctx.console)

    assert plan.record is not None
    record = plan.record("failed", "web failed")
    assert _states(record) == {"api": "rolled back", "web": "not rolled back", "admin": "left alone"}
    api = next(s for s in record.services if s.service == "api")
    assert (api.version, api.task_definition, api.previous_version) == ("v1", "arn:td/api:1", "v2")


def test_a_second_rollback_says_every_service_was_already_rolled_back() -> None:
    fake = back.Fake(back=("api", "web", "admin"))
    ctx = back._context()
    plan = rollback.plan(ctx, None, fake.technique_of)

    run(plan, ctx.console)

    assert plan.record is not None
    assert set(_states(plan.record("success", None)).values()) == {"already rolled back"}
