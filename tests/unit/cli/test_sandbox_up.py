"""`ci-ecs sandbox up` refuses a bad clock before starting anything: exit 2 naming the option."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ci_ecs import sandbox
from ci_ecs.cli import app
from ci_ecs.errors import PreconditionError


@pytest.fixture(autouse=True)
def starts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every sandbox.start() a test makes (none should be); nothing is started."""
    calls: list[object] = []

    def start(*args: object, **kwargs: object) -> None:
        calls.append((args, kwargs))
        pytest.fail("started")

    monkeypatch.setattr(sandbox, "start", start)
    return calls


def _up(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["sandbox", "up", "--port", "0", *args], env=env, catch_exceptions=False)


@pytest.mark.parametrize("value", ["0", "-1", "-0.1", "ten", "fast", "Realistik", "nan", "inf", "1e999"])
def test_a_bad_time_scale_exits_2_naming_the_option_and_what_it_takes(value, starts):
    result = _up(f"--time-scale={value}")

    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: --time-scale: {value!r} is not a time scale — give a number > 0 (every AWS duration "
        "divided by it: 1 = as long as in AWS, 10 = ten times faster) or realistic (= 10)\n"
    )
    assert starts == []


def test_a_negative_time_scale_given_as_a_separate_argument_is_the_same_error():
    result = _up("--time-scale", "-2")

    assert result.exit_code == 2 and result.stderr.startswith("error: --time-scale: '-2' is not a time scale")


def test_a_bad_time_scale_variable_exits_2_naming_the_variable(starts):
    result = _up(env={"CI_ECS_SANDBOX_TIME_SCALE": "slow"})

    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: CI_ECS_SANDBOX_TIME_SCALE: 'slow' is not a time scale — give a number"
    )
    assert starts == []


@pytest.mark.parametrize("value", ["0", "-0.1"])
def test_a_tick_of_zero_or_less_exits_2_naming_tick(value):
    result = _up(f"--tick={value}")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: --tick: ") and "give seconds > 0" in result.stderr


@pytest.mark.parametrize(
    ("args", "variable", "scale"),
    [
        (["--time-scale", "5"], "not a scale", 5.0),  # the flag beats the variable (a bad one is not read)
        (["--time-scale", "realistic"], "2", 10.0),
        ([], "realistic", 10.0),
        ([], "", None),
    ],
)
def test_the_time_scale_flag_beats_the_variable(monkeypatch, args, variable, scale):
    calls: list[dict[str, object]] = []

    def start(*_: object, **kwargs: object) -> None:
        calls.append(kwargs)
        raise PreconditionError("stopped here by the test")

    monkeypatch.setattr(sandbox, "start", start)
    result = _up(*args, env={"CI_ECS_SANDBOX_TIME_SCALE": variable})

    assert result.exit_code == 3, result.output
    assert [call["time_scale"] for call in calls] == [scale]
