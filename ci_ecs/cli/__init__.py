"""The `ci-ecs` command: options → settings → plan → runner. The only package that imports typer."""

from ci_ecs.cli import (
    build_command,
    check_command,
    deploy_commands,
    iam_command,
    init_command,
    run_command,
    sandbox_commands,
    service_commands,
    stop_command,
)
from ci_ecs.cli.app import app, main

__all__ = [
    "app",
    "build_command",
    "check_command",
    "deploy_commands",
    "iam_command",
    "init_command",
    "main",
    "run_command",
    "sandbox_commands",
    "service_commands",
    "stop_command",
]
