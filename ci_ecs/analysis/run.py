"""Measuring a canary interval by interval until the verdict is certain."""

from __future__ import annotations

import math
import time

from ci_ecs.analysis import metrics, report, verdict
from ci_ecs.analysis.metrics import Subject, utc
from ci_ecs.aws.clients import Aws
from ci_ecs.checks import Clock
from ci_ecs.model import Analysis, Interval
from ci_ecs.output import Console
from ci_ecs.settings.analysis import AnalysisSettings

WALL_CLOCK = Clock(now=time.time, sleep=time.sleep)  # CloudWatch's windows are wall-clock times


def analyse(
    aws: Aws,
    settings: AnalysisSettings,
    subject: Subject,
    step: str,
    console: Console,
    clock: Clock = WALL_CLOCK,
) -> Analysis:
    """Measure the canary until the verdict is certain; waiting for an interval costs no API call.

    Windows start on the grid of their period (at most a minute: CloudWatch aggregates by it) after the
    canary takes traffic, follow each other, and each is read `delay` after it ends.
    """
    grain = min(settings.interval, 60.0)
    start = math.ceil(clock.now() / grain) * grain
    intervals: list[Interval] = []
    while True:
        number = len(intervals) + 1
        begin, end = start + (number - 1) * settings.interval, start + number * settings.interval
        ready = end + settings.delay
        while clock.now() < ready:
            clock.sleep(ready - clock.now())
        measured = metrics.measure(aws, settings, subject, utc(begin), utc(end))
        found = verdict.readings(settings, measured)
        requests = None if measured.canary is None else round(measured.canary.requests)
        interval = Interval(number, _iso(begin), _iso(end), requests, found, verdict.outcome(found))
        intervals.append(interval)
        for line in report.interval_lines(interval, settings.count):
            console.line(line)
        decided = verdict.decide(settings, intervals)
        if decided is not None:
            return Analysis(step, tuple(intervals), decided[0], decided[1])


def _iso(seconds: float) -> str:
    return utc(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")
