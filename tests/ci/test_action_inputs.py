"""The action's inputs become the ci-ecs command line; action.yml declares what ci-ecs reads and writes."""

from __future__ import annotations

import subprocess

import pytest

from ci_ecs import job_outputs
from ci_ecs.errors import ConfigError
from ci_ecs.github_action import COMMANDS, args_from_inputs
from tests.ci.github_runner import action, action_image
from tests.ci.gitlab_local import input_defaults
from tests.integration.helpers import ci_ecs_executable

# What the runner passes for inputs a step leaves out: the defaults in action.yml.
DEFAULTS = {"INPUT_DRY-RUN": "false", "INPUT_VERBOSE": "false", "INPUT_TOKEN": "ghs_x", "INPUT_ARGS": ""}


def _inputs(**given: str) -> dict[str, str]:
    return {**DEFAULTS, **{f"INPUT_{name.upper()}": value for name, value in given.items()}}


def test_deploy_inputs_become_global_options_then_the_command_and_its_options() -> None:
    env = _inputs(command="deploy", config="ops/ci-ecs.yml", environment="production", image="repo:v2")

    assert args_from_inputs(env) == [
        "--config", "ops/ci-ecs.yml", "--environment", "production", "deploy", "--image", "repo:v2",
    ]  # fmt: skip


def test_rollback_version_is_rollback_to_and_empty_inputs_are_left_out() -> None:
    assert args_from_inputs(_inputs(command="rollback", version="v1.4.2", image="")) == [
        "rollback",
        "--to",
        "v1.4.2",
    ]
    assert args_from_inputs(_inputs(command="rollback")) == ["rollback"]


def test_stop_removes_the_review_environment_the_environment_input_names() -> None:
    env = _inputs(command="stop", environment="review/pr-7")

    assert args_from_inputs(env) == ["--environment", "review/pr-7", "stop"]
    with pytest.raises(ConfigError, match="input image: only for"):
        args_from_inputs(_inputs(command="stop", image="repo:v2"))


def test_run_takes_its_command_from_args_after_its_options() -> None:
    env = _inputs(
        command="run", environment="production", timeout="30m", args="-- ./manage.py migrate --noinput"
    )

    assert args_from_inputs(env) == [
        "--environment", "production", "run", "--timeout", "30m", "--", "./manage.py", "migrate", "--noinput",
    ]  # fmt: skip


def test_hyphenated_switches_are_read_as_the_runner_names_them() -> None:
    env = {**_inputs(command="canary-deploy", weight="20", timeout="5m"), "INPUT_DRY-RUN": "true"}

    assert args_from_inputs(env) == ["--dry-run", "canary-deploy", "--weight", "20", "--timeout", "5m"]


def test_build_inputs_name_the_context_and_dockerfile_and_extra_args_are_shell_split() -> None:
    env = _inputs(command="build", context="app", dockerfile="app/Dockerfile", args="--build-arg 'A=b c'")

    assert args_from_inputs(env) == [
        "build", "--context", "app", "--file", "app/Dockerfile", "--build-arg", "A=b c",
    ]  # fmt: skip


@pytest.mark.parametrize("command", ["", "destroy"])
def test_an_unknown_command_is_a_configuration_error_naming_the_input(command: str) -> None:
    with pytest.raises(ConfigError, match=r"input command: .* not one of build, canary-deploy"):
        args_from_inputs(_inputs(command=command))


def test_an_input_the_command_does_not_take_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ConfigError, match="input version: only for rollback, not for deploy"):
        args_from_inputs(_inputs(command="deploy", version="v1"))
    with pytest.raises(ConfigError, match="input dry-run: 'yes' is not true or false"):
        args_from_inputs({**_inputs(command="deploy"), "INPUT_DRY-RUN": "yes"})


def test_every_input_action_yml_declares_reaches_the_command_line() -> None:
    for name in set(action()["inputs"]) - {"command", "token"}:
        key, value = f"INPUT_{name.upper()}", "true" if name in ("dry-run", "verbose") else "x1"
        lines = [
            args_from_inputs({"INPUT_COMMAND": c, key: value}) for c in COMMANDS if _accepted(key, value, c)
        ]

        assert any(value in line or f"--{name}" in line for line in lines), name
    assert action()["inputs"]["command"]["required"] is True


@pytest.mark.parametrize("command", ["build", "canary-deploy", "deploy", "rollback", "stop"])
def test_the_flags_the_inputs_map_to_exist_on_the_real_command(command: str) -> None:
    options = (
        "image",
        "version",
        "weight",
        "count",
        "timeout",
        "context",
        "dockerfile",
        "dry-run",
        "verbose",
    )
    env = {f"INPUT_{name.upper()}": "true" for name in options}
    env = {"INPUT_COMMAND": command, **{k: v for k, v in env.items() if _accepted(k, v, command)}}
    flags = [arg for arg in args_from_inputs(env) if arg.startswith("--")]
    done = subprocess.run(
        [ci_ecs_executable(), command, "--help"], capture_output=True, text=True, check=True
    )
    root = subprocess.run([ci_ecs_executable(), "--help"], capture_output=True, text=True, check=True)

    assert [flag for flag in flags if flag not in done.stdout + root.stdout] == []


def _accepted(key: str, value: str, command: str) -> bool:
    try:
        args_from_inputs({"INPUT_COMMAND": command, key: value})
    except ConfigError:
        return False
    return True


def test_the_declared_outputs_are_the_names_ci_ecs_writes_to_github_output() -> None:
    written = {job_outputs.output_name(key) for key in job_outputs._STANDARD}

    assert set(action()["outputs"]) == written
    assert {"image", "version", "deploy-url"} <= set(action()["outputs"])


def test_action_runs_the_image_of_the_release_the_gitlab_component_runs() -> None:
    version = input_defaults()["image"].rpartition(":")[2]

    assert action()["runs"]["using"] == "docker"
    assert action_image().endswith(f"/ci-ecs:{version}")
    assert {"icon", "color"} <= set(action()["branding"])
