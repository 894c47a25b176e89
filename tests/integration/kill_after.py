"""Run ci-ecs and SIGKILL it right after its Nth AWS API call returns: a job killed between two calls.

Usage: python kill_after.py N[:SIGNAL] ARGS... (tests only; ci-ecs itself has no such hook). With a
signal name (TERM, INT), that signal is sent instead — once: a CI cancelling the job. With
$CI_ECS_TEST_CALL_LOG set, each call's `service.Operation` is appended to that file, in order.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from ci_ecs.aws import clients
from ci_ecs.cli import app

_limit, _, _name = sys.argv[1].partition(":")
LIMIT = int(_limit)
SIGNAL = signal.Signals[f"SIG{_name}"] if _name else signal.SIGKILL
_calls = 0
_LOG = os.environ.get("CI_ECS_TEST_CALL_LOG", "")
_original: Any = clients.Aws.client  # any service by name, as ci-ecs asks for it


def _after_call(event_name: str = "", **_: Any) -> None:
    global _calls
    _calls += 1
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(event_name.removeprefix("after-call.") + "\n")
    if _calls == LIMIT or (_calls > LIMIT and SIGNAL == signal.SIGKILL):
        os.kill(os.getpid(), SIGNAL)


def _client(self: clients.Aws, service: str, *args: Any, **options: Any) -> Any:
    made = _original(self, service, *args, **options)
    if not getattr(made, "_kill_after", False):
        made.meta.events.register("after-call", _after_call)
        made._kill_after = True
    return made


clients.Aws.client = _client  # type: ignore[method-assign]
app(sys.argv[2:])
