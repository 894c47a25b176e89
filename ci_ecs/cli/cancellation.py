"""A job its CI cancels (SIGTERM, SIGINT) undoes what it started before the CI kills it."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ci_ecs.checks import cut_short
from ci_ecs.errors import Cancelled
from ci_ecs.output import Console

# Seconds every wait may still take once cancelled. GitHub Actions sends SIGINT, then SIGTERM 7.5 s later
# and SIGKILL 2.5 s after that; GitLab Runner sends SIGTERM and SIGKILL about 10 s later (docker and
# kubernetes executors). What must happen in that time — traffic back, tasks stopped — is a few calls.
GRACE = 7.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def cancellable(console: Console) -> Iterator[None]:
    """Turn the first SIGTERM or SIGINT into Cancelled, with every later wait cut short; ignore the rest."""
    received: list[int] = []

    def handler(number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if received:
            console.line(f"    {name}: still putting back what this job started")
            return
        received.append(number)
        cut_short(time.monotonic() + GRACE)
        raise Cancelled(number, name)

    previous = {number: signal.signal(number, handler) for number in SIGNALS}
    try:
        yield
    finally:
        for number, was in previous.items():
            signal.signal(number, was)
