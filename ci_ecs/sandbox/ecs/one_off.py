"""One-off tasks: a RunTask task whose essential container's command is overridden runs it, then exits.

Its exit code comes from its image tag (`-exitN`: N; `-crash`: 1), else from its command (ending `exit N`:
N), else 0. It runs `command_ticks`, or N seconds of sandbox time when its command says `sleep N`.
"""

from __future__ import annotations

import re
from typing import Any

from ci_ecs.sandbox.ecs import logs
from ci_ecs.sandbox.state import RUNTIME, TaskSim

_SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)\b")
_EXIT = re.compile(r"\bexit\s+(\d{1,3})\W*$")


def command_of(task: Any, task_definition: Any) -> tuple[str, ...] | None:
    """The command a RunTask override gives one of the task's essential containers (None: no override)."""
    essential = {c.get("name") for c in task_definition.container_definitions if c.get("essential", True)}
    for override in (getattr(task, "overrides", None) or {}).get("containerOverrides") or []:
        if override.get("name") in essential and override.get("command"):
            return tuple(str(word) for word in override["command"])
    return None


def done(sim: TaskSim, age: int) -> bool:
    """Whether a running one-off task's command has finished after `age` ticks."""
    assert sim.command is not None
    slept = _SLEEP.search(" ".join(sim.command))
    ticks = RUNTIME.config.ticks_for(float(slept.group(1))) if slept else RUNTIME.config.command_ticks
    return age >= ticks


def exit_code(sim: TaskSim) -> int:
    """The code the command exits with: from the image tag, else from the command's `exit N`, else 0."""
    if sim.behaviour.crash:
        return 1
    if sim.behaviour.exit_code is not None:
        return sim.behaviour.exit_code
    found = _EXIT.search(" ".join(sim.command or ()))
    return int(found.group(1)) % 256 if found else 0


def started(sim: TaskSim) -> None:
    """The line a one-off command writes as it starts."""
    logs.write(sim.logs, [f"INFO {sim.version or 'app'}: running {' '.join(sim.command or ())}"])


def finish(task: Any, sim: TaskSim) -> None:
    """The command's last lines and its exit: the container stops with its exit code."""
    code = exit_code(sim)
    if sim.behaviour.crash:
        logs.crashed(sim.logs)
    else:
        logs.write(sim.logs, _lines(" ".join(sim.command or ()), code))
    for container in task.containers:
        container.exitCode, container.last_status = code, "STOPPED"


def _lines(command: str, code: int) -> list[str]:
    work = (
        ["INFO running migrations…", "INFO applied 0004_add_orders_index", "INFO migrated 3 tables"]
        if "migrat" in command
        else [f"INFO {command}: working"]
    )
    if code == 0:
        return [*work, "INFO done"]
    failure = 'ERROR relation "orders" does not exist' if "migrat" in command else "ERROR failed"
    return [*work[:2], failure, f"ERROR exited with code {code}"]
