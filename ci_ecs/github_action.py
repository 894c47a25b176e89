"""The GitHub Action's entry point: the ci-ecs command line from the action's `INPUT_*` variables."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping

from ci_ecs.errors import ConfigError

COMMANDS = ("build", "canary-deploy", "deploy", "rollback", "run", "stop", "status", "render")
# input → (flag, the commands that take it); inputs left empty are not passed.
_OPTIONS = {
    "image": ("--image", ("build", "canary-deploy", "deploy", "rollback", "run", "render")),
    "version": ("--to", ("rollback",)),
    "weight": ("--weight", ("canary-deploy",)),
    "count": ("--count", ("canary-deploy",)),
    "timeout": ("--timeout", ("canary-deploy", "deploy", "rollback", "run")),
    "context": ("--context", ("build",)),
    "dockerfile": ("--file", ("build",)),
}
_SWITCHES = {"dry-run": "--dry-run", "verbose": "--verbose"}


def action_input(env: Mapping[str, str], name: str) -> str:
    """An input as the runner passes it: `INPUT_<NAME>`, upper-cased, spaces as `_` (hyphens kept)."""
    return env.get(f"INPUT_{name.replace(' ', '_').upper()}", "").strip()


def _switch(env: Mapping[str, str], name: str) -> bool:
    value = action_input(env, name).lower()
    if value not in ("", "true", "false"):
        raise ConfigError(f"input {name}: {value!r} is not true or false")
    return value == "true"


def args_from_inputs(env: Mapping[str, str]) -> list[str]:
    """The ci-ecs arguments the action's inputs ask for; an input the command does not take is an error."""
    command = action_input(env, "command")
    if command not in COMMANDS:
        raise ConfigError(f"input command: {command!r} is not one of {', '.join(COMMANDS)}")
    args = []
    for name, flag in (("config", "--config"), ("environment", "--environment")):
        if value := action_input(env, name):
            args += [flag, value]
    args += [flag for name, flag in _SWITCHES.items() if _switch(env, name)]
    args.append(command)
    for name, (flag, commands) in _OPTIONS.items():
        value = action_input(env, name)
        if not value:
            continue
        if command not in commands:
            raise ConfigError(f"input {name}: only for {', '.join(commands)}, not for {command}")
        args += [flag, value]
    return args + shlex.split(action_input(env, "args"))


def main() -> None:
    """Run ci-ecs as the action's inputs say (`python -m ci_ecs.github_action`)."""
    try:
        args = args_from_inputs(os.environ)
    except ConfigError as error:
        # A workflow annotation: the run's page shows which input is wrong.
        print(f"::error title=ci-ecs::{error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    # The action's `token` input: reporting to GitHub works without an `env:` block in the workflow.
    if action_input(os.environ, "token") and not os.environ.get("GITHUB_TOKEN"):
        os.environ["GITHUB_TOKEN"] = action_input(os.environ, "token")
    print(f"ci-ecs {shlex.join(args)}", flush=True)
    from ci_ecs.cli import app

    app(args, prog_name="ci-ecs")


if __name__ == "__main__":
    main()
