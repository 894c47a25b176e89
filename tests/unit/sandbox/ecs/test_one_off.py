"""One-off tasks: their exit code from the image tag or the command, their run time from `sleep N`."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ci_ecs.sandbox.behaviour import of_tags
from ci_ecs.sandbox.ecs import one_off
from ci_ecs.sandbox.state import RUNTIME, Behaviour, TaskSim


def _sim(command: tuple[str, ...], tag: str = "v2") -> TaskSim:
    sim = TaskSim(of_tags([tag]), "10.0.0.1", 0)
    sim.command = command
    return sim


def test_an_exit_tag_names_the_exit_code() -> None:
    assert of_tags(["v2-exit3"]) == Behaviour(exit_code=3)
    assert of_tags(["v2-exit300"]).exit_code == 300 % 256
    assert of_tags(["exit3"]).exit_code is None  # a suffix after the version
    assert of_tags(["v2-exit"]).exit_code is None


@pytest.mark.parametrize(
    ("command", "tag", "code"),
    [
        (("migrate",), "v2", 0),
        (("migrate",), "v2-exit3", 3),
        (("sh", "-c", "exit 3"), "v2", 3),
        (("sh", "-c", "migrate; exit 42"), "v2", 42),
        (("sh", "-c", "exit 3; migrate"), "v2", 0),  # only a command that ends with it
        (("sh", "-c", "exit 3"), "v2-exit5", 5),  # the image first
        (("migrate",), "v2-crash", 1),
    ],
)
def test_the_exit_code_comes_from_the_tag_else_the_command(
    command: tuple[str, ...], tag: str, code: int
) -> None:
    assert one_off.exit_code(_sim(command, tag)) == code


def test_a_command_runs_command_ticks_or_as_long_as_it_sleeps() -> None:
    ticks = RUNTIME.config.command_ticks
    assert not one_off.done(_sim(("migrate",)), ticks - 1)
    assert one_off.done(_sim(("migrate",)), ticks)
    sleeper = _sim(("sh", "-c", "sleep 600; migrate"))
    assert not one_off.done(sleeper, RUNTIME.config.ticks_for(600) - 1)
    assert one_off.done(sleeper, RUNTIME.config.ticks_for(600))


def test_only_a_command_override_of_an_essential_container_makes_a_one_off_task() -> None:
    definition = SimpleNamespace(
        container_definitions=[{"name": "web"}, {"name": "sidecar", "essential": False}]
    )

    def task(*overrides: dict[str, object]) -> SimpleNamespace:
        return SimpleNamespace(overrides={"containerOverrides": list(overrides)})

    assert one_off.command_of(task({"name": "web", "command": ["migrate"]}), definition) == ("migrate",)
    assert one_off.command_of(task({"name": "sidecar", "command": ["x"]}), definition) is None
    assert one_off.command_of(task({"name": "web", "environment": []}), definition) is None
    assert one_off.command_of(SimpleNamespace(overrides={}), definition) is None
