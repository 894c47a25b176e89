"""Run ci-ecs and SIGKILL it right after its Nth AWS API call returns: a job killed between two calls.

Usage: python kill_after.py N[:SIGNAL] ARGS... (tests only; ci-ecs itself has no such hook). With a
signal name (TERM, INT), that signal is sent instead — once: a CI cancelling the job. With
$CI_ECS_TEST_CALL_LOG set, each call's `service.Operation` is appended to that file, in order.

`forked` does the same in a process forked from one that imported ci-ecs already (helpers.run_killed):
the job is still a process of its own, killed as a whole, without a fresh interpreter's imports.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from ci_ecs.aws import clients
from ci_ecs.cli import app

_original: Any = clients.Aws.client  # any service by name, as ci-ecs asks for it


def install(spec: str) -> None:
    """Count this process's AWS calls from now on; send the signal of `spec` (N[:SIGNAL]) after the Nth."""
    limit, _, name = spec.partition(":")
    sent = signal.Signals[f"SIG{name}"] if name else signal.SIGKILL
    log = os.environ.get("CI_ECS_TEST_CALL_LOG", "")
    calls = 0

    def after_call(event_name: str = "", **_: Any) -> None:
        nonlocal calls
        calls += 1
        if log:
            with open(log, "a", encoding="utf-8") as stream:
                stream.write(event_name.removeprefix("after-call.") + "\n")
        if calls == int(limit) or (calls > int(limit) and sent == signal.SIGKILL):
            os.kill(os.getpid(), sent)

    def client(self: clients.Aws, service: str, *args: Any, **options: Any) -> Any:
        made = _original(self, service, *args, **options)
        if not getattr(made, "_kill_after", False):
            made.meta.events.register("after-call", after_call)
            made._kill_after = True
        return made

    clients.Aws.client = client  # type: ignore[method-assign]


def forked(spec: str, args: list[str], env: Mapping[str, str], cwd: str, out: str, err: str) -> None:
    """In a forked child: what `python kill_after.py SPEC ARGS` does in `cwd` with `env`, output to files."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    sys.argv = [__file__, spec, *args]
    install(spec)
    try:
        app(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    install(sys.argv[1])
    app(sys.argv[2:])
