"""The runner: steps in order, undo newest-first on failure, dry-run runs only read-only steps."""

from __future__ import annotations

import io

import pytest

from ci_ecs.errors import CiEcsError, DeploymentFailed, PreconditionError, RollbackFailed
from ci_ecs.output import Console
from ci_ecs.runner import Plan, Step, run


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(out=out, err=out), out


def _recorder(log: list[str], name: str, fail: Exception | None = None):
    def step() -> str:
        log.append(name)
        if fail is not None:
            raise fail
        return name + " done"

    return step


def test_failure_after_a_change_undoes_completed_steps_newest_first() -> None:
    log: list[str] = []
    plan = Plan(
        "t",
        (
            Step("read", _recorder(log, "read"), read_only=True),
            Step("a", _recorder(log, "a"), _recorder(log, "undo a")),
            Step("b", _recorder(log, "b"), _recorder(log, "undo b")),
            Step("c", _recorder(log, "c", DeploymentFailed("boom"))),
        ),
    )
    console, _ = _console()

    with pytest.raises(DeploymentFailed, match="boom"):
        run(plan, console)

    assert log == ["read", "a", "b", "c", "undo b", "undo a"]


def test_failure_before_any_change_raises_the_original_error_without_undo() -> None:
    log: list[str] = []
    plan = Plan(
        "t",
        (
            Step("read", _recorder(log, "read", PreconditionError("missing")), read_only=True),
            Step("a", _recorder(log, "a"), _recorder(log, "undo a")),
        ),
    )

    with pytest.raises(PreconditionError):
        run(plan, _console()[0])

    assert log == ["read"]


def test_failing_undo_is_rollback_failed() -> None:
    log: list[str] = []
    plan = Plan(
        "t",
        (
            Step("a", _recorder(log, "a"), _recorder(log, "undo a", CiEcsError("denied"))),
            Step("b", _recorder(log, "b", DeploymentFailed("boom"))),
        ),
    )

    with pytest.raises(RollbackFailed) as caught:
        run(plan, _console()[0])

    assert caught.value.exit_code == 4
    assert "denied" in str(caught.value)


def test_unexpected_error_after_a_change_still_undoes_and_fails_the_deployment() -> None:
    log: list[str] = []
    plan = Plan(
        "t",
        (
            Step("a", _recorder(log, "a"), _recorder(log, "undo a")),
            Step("b", _recorder(log, "b", KeyError("bug"))),
        ),
    )

    with pytest.raises(DeploymentFailed):
        run(plan, _console()[0])

    assert log == ["a", "b", "undo a"]


def test_dry_run_runs_read_only_steps_and_only_names_the_others() -> None:
    log: list[str] = []
    plan = Plan(
        "t", (Step("read", _recorder(log, "read"), read_only=True), Step("write", _recorder(log, "write")))
    )
    console, out = _console()

    run(plan, console, dry_run=True)

    assert log == ["read"]
    assert "would write" in out.getvalue()
