"""The preflight's pure parts: every item runs, items after a failed one they need are not checked, the
error lists every failure, and the check goes before a plan's first change."""

from __future__ import annotations

import pytest

from ci_ecs import preflight
from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.preflight import Item, NotChecked, PreflightFailed
from ci_ecs.runner import Plan, Step


def _fails(message: str, error: type[Exception] = PreconditionError) -> str:
    raise error(message)


def _not_checked() -> str:
    raise NotChecked("not allowed to look")


def test_every_item_runs_and_those_needing_a_failed_one_are_not_checked() -> None:
    results = preflight.run(
        [
            Item("service", lambda: _fails("service: web not found — check `service:`")),
            Item("target groups", lambda: "web", ("service",)),
            Item("image", lambda: _fails("image: tag 'v9' not found")),
            Item("IAM permissions", _not_checked),
        ]
    )

    assert [(r.name, r.status) for r in results] == [
        ("service", "failed"),
        ("target groups", "not checked"),
        ("image", "failed"),
        ("IAM permissions", "not checked"),
    ]
    assert results[1].detail == "needs service"
    with pytest.raises(PreflightFailed) as failed:
        preflight.require(results)
    assert failed.value.exit_code == 3
    assert str(failed.value).splitlines()[1:] == [
        "✗ service: service: web not found — check `service:`",
        "✗ image: image: tag 'v9' not found",
    ]


def test_a_configuration_fault_alone_is_exit_2() -> None:
    results = preflight.run(
        [Item("deployment group", lambda: _fails("codedeploy.service_role: missing", ConfigError))]
    )

    with pytest.raises(PreflightFailed) as failed:
        preflight.require(results)
    assert failed.value.exit_code == 2


def test_the_check_goes_just_before_the_first_change() -> None:
    def step(name: str, read_only: bool) -> Step:
        return Step(name, lambda: None, read_only=read_only)

    plan = Plan(
        "deploy", (step("inspect", True), step("render", True), step("register", False), step("show", True))
    )

    checked = preflight.before_first_change(plan, step("check the prerequisites", True))

    assert [s.name for s in checked.steps] == [
        "inspect",
        "render",
        "check the prerequisites",
        "register",
        "show",
    ]
