"""What every wait shares: its result, the clock, polling at growing intervals, durations as text."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ci_ecs.settings import WaitSettings

T = TypeVar("T")
Endpoint = tuple[str, int]  # a target: IP and port
# When set (monotonic time), every wait ends by then: a cancelled job has only its CI's grace period left.
_cut_short_at: list[float] = []


def cut_short(at: float) -> None:
    """From now on, every wait gives up at `at` (monotonic time) at the latest."""
    _cut_short_at[:] = [at]


@dataclass(frozen=True)
class CheckResult:
    """How a wait ended: ok, or why not, with the last thing it saw (a service, task set, tasks…)."""

    ok: bool
    reason: str
    seen: dict[str, Any] = field(default_factory=dict)
    ecs_rolled_back: bool = False


@dataclass(frozen=True)
class Clock:
    """Time as the waits see it (tests and benchmarks may replace it)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def deadline_after(clock: Clock, seconds: float) -> float:
    """When a wait of `seconds` starting now must end (sooner once the job is cancelled)."""
    return min([clock.now() + seconds, *_cut_short_at])


def intervals(wait: WaitSettings) -> Iterator[float]:
    """Poll intervals: `poll_first`, growing by half each time up to `poll_cap`."""
    interval = wait.poll_first
    while True:
        yield interval
        interval = min(wait.poll_cap, interval * 1.5)


def poll(
    wait: WaitSettings,
    probe: Callable[[], T | None],
    *,
    timeout: float | None = None,
    clock: Clock | None = None,
) -> T | None:
    """Call `probe` now and then at the poll intervals until it returns something; None after the timeout."""
    clock = clock or Clock()
    deadline = deadline_after(clock, wait.timeout if timeout is None else timeout)
    for interval in intervals(wait):
        found = probe()
        if found is not None:
            return found
        if clock.now() >= deadline:
            return None
        clock.sleep(max(0.0, min(interval, deadline - clock.now())))
    raise AssertionError("unreachable")  # intervals() never ends


def watch(
    wait: WaitSettings,
    probe: Callable[[], CheckResult | None],
    what: str,
    *,
    timeout: float | None = None,
    clock: Clock | None = None,
) -> CheckResult:
    """Poll `probe` until it decides; a result saying `timed out after … waiting for <what>` otherwise."""
    limit = wait.timeout if timeout is None else timeout
    found = poll(wait, probe, timeout=limit, clock=clock)
    return found or CheckResult(False, f"timed out after {format_duration(limit)} waiting for {what}")


def format_duration(seconds: float) -> str:
    """`15m`, `1m30s`, `45s`."""
    minutes, secs = divmod(round(seconds), 60)
    if minutes and secs:
        return f"{minutes}m{secs}s"
    return f"{minutes}m" if minutes else f"{secs}s"
