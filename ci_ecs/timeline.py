"""A job's steps in time: kept by the runner for every technique, shown as text and as a Mermaid gantt."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ci_ecs.model import Phase, PhaseOutcome

_MARKS = {"done": "", "failed": "crit, ", "undone": "active, ", "undo failed": "crit, ", "observed": "done, "}
_UNSAFE = re.compile(r"[:;#\n]")  # what ends a task's name in a gantt line


@dataclass
class Timeline:
    """The steps a job ran (and undid), in order, each with its start and duration."""

    origin: float = field(default_factory=time.monotonic)
    phases: list[Phase] = field(default_factory=list)

    def add(self, name: str, started: float, outcome: PhaseOutcome) -> None:
        """Record a step that started at `started` (monotonic time) and ended now."""
        ended = time.monotonic()
        self.phases.append(Phase(name, round(started - self.origin, 2), round(ended - started, 2), outcome))


def text_lines(phases: Sequence[Phase]) -> list[str]:
    """The timeline for a job log: start, duration, a bar to scale, the step."""
    if not phases:
        return []
    end = max(p.start + p.seconds for p in phases) or 1.0
    lines = ["timeline:"]
    for phase in phases:
        left = int(phase.start / end * 20)
        width = max(1, round(phase.seconds / end * 20))
        bar = (" " * left + "█" * width)[:21].ljust(21)
        mark = "" if phase.outcome in ("done", "observed") else f" ({phase.outcome})"
        lines.append(f"  {phase.start:7.1f}s {phase.seconds:7.1f}s {bar} {phase.name}{mark}")
    return lines


def mermaid(phases: Sequence[Phase], title: str) -> list[str]:
    """A Mermaid gantt of the steps, then (in a section of its own) what the targets were seen doing."""
    if not phases:
        return []
    lines = [
        "```mermaid",
        "gantt",
        f"    title {_UNSAFE.sub(' ', title)}",
        "    dateFormat x",
        "    axisFormat %M:%S",
    ]
    steps = [p for p in phases if p.outcome != "observed"]
    seen = [p for p in phases if p.outcome == "observed"]
    sections = [("steps", steps), ("load balancer", seen)] if seen else [("", steps)]
    number = 0
    for section, members in sections:
        if section:
            lines.append(f"    section {section}")
        for phase in members:
            number += 1
            start = round(phase.start * 1000)
            end = start + max(1, round(phase.seconds * 1000))
            name = _UNSAFE.sub(" ", phase.name).strip() or "step"
            lines.append(f"    {name} :{_MARKS[phase.outcome]}s{number}, {start}, {end}")
    return [*lines, "```"]
