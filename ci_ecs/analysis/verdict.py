"""Judging a canary: each check's reading in an interval, each interval's outcome, the analysis's verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ci_ecs.model import Interval, Outcome, Reading
from ci_ecs.output import counted, plural
from ci_ecs.settings.analysis import AnalysisSettings, MetricCheck


@dataclass(frozen=True)
class Traffic:
    """One side's load-balancer metrics over an interval: requests, target 5XX answers, p99 response time."""

    requests: float
    errors: float
    p99: float | None

    @property
    def error_rate(self) -> float | None:
        """5XX answers in % of the requests; None without requests."""
        return 100.0 * self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class Measured:
    """What one interval's queries found: each side's traffic, each custom check's values, alarm states."""

    canary: Traffic | None  # None: no load-balancer check
    baseline: Traffic | None
    queries: Mapping[str, Sequence[float]]
    alarms: Mapping[str, str]


def readings(settings: AnalysisSettings, measured: Measured) -> tuple[Reading, ...]:
    """Every configured check's reading for one interval."""
    found: list[Reading] = []
    canary, baseline = measured.canary, measured.baseline
    if canary is not None:
        enough = canary.requests >= max(settings.min_requests, 1)
        few = f"{canary.requests:.0f} canary requests, fewer than min_requests {settings.min_requests}"
        if settings.error_rate is not None:
            found.append(_error_rate(canary, settings.error_rate, enough, few))
        if settings.error_rate_vs_baseline is not None:
            found.append(_error_rate_relative(canary, baseline, settings, enough, few))
        if settings.p99_latency is not None:
            found.append(_latency(canary, settings.p99_latency, enough, few))
        if settings.p99_latency_vs_baseline is not None:
            found.append(_latency_relative(canary, baseline, settings.p99_latency_vs_baseline, enough, few))
    for check in settings.queries:
        found.append(_query(check, measured.queries.get(check.name, ())))
    for alarm in settings.alarms:
        found.append(_alarm(alarm, measured.alarms.get(alarm, "")))
    return tuple(found)


def _error_rate(canary: Traffic, limit: float, enough: bool, few: str) -> Reading:
    rate = canary.error_rate
    if not enough or rate is None:
        return Reading("error rate", rate, None, limit, "%", "no data", few)
    outcome: Outcome = "pass" if rate <= limit else "fail"
    return Reading("error rate", rate, None, limit, "%", outcome, f"{rate:.2f}% vs at most {limit:g}%")


def _error_rate_relative(
    canary: Traffic, baseline: Traffic | None, settings: AnalysisSettings, enough: bool, few: str
) -> Reading:
    name, factor = "error rate vs baseline", settings.error_rate_vs_baseline or 1.0
    rate = canary.error_rate
    base = (
        baseline.error_rate if baseline is not None and baseline.requests >= settings.min_requests else None
    )
    if not enough or rate is None:
        return Reading(name, rate, base, None, "%", "no data", few)
    if base is None:
        return Reading(
            name, rate, None, None, "%", "no data", "the stable version got too few requests to compare"
        )
    # One request's difference never fails a canary: a 0% baseline would otherwise fail on a single error.
    limit = max(factor * base, 100.0 / canary.requests)
    outcome: Outcome = "pass" if rate <= limit else "fail"
    return Reading(
        name, rate, base, limit, "%", outcome, f"{rate:.2f}% vs {factor:g}× the baseline's {base:.2f}%"
    )


def _latency(canary: Traffic, limit: float, enough: bool, few: str) -> Reading:
    p99 = canary.p99
    if not enough or p99 is None:
        return Reading(
            "p99 latency", p99, None, limit, "s", "no data", few if not enough else "no p99 datapoint"
        )
    outcome: Outcome = "pass" if p99 <= limit else "fail"
    return Reading("p99 latency", p99, None, limit, "s", outcome, f"{p99:.3f}s vs at most {limit:g}s")


def _latency_relative(
    canary: Traffic, baseline: Traffic | None, factor: float, enough: bool, few: str
) -> Reading:
    name, p99 = "p99 latency vs baseline", canary.p99
    base = baseline.p99 if baseline is not None else None
    if not enough or p99 is None:
        return Reading(name, p99, base, None, "s", "no data", few if not enough else "no p99 datapoint")
    if base is None:
        return Reading(name, p99, None, None, "s", "no data", "no p99 datapoint of the stable version")
    limit = factor * base
    outcome: Outcome = "pass" if p99 <= limit else "fail"
    return Reading(
        name, p99, base, limit, "s", outcome, f"{p99:.3f}s vs {factor:g}× the baseline's {base:.3f}s"
    )


def _query(check: MetricCheck, values: Sequence[float]) -> Reading:
    if not values:
        limit = check.maximum if check.maximum is not None else check.minimum
        return Reading(check.name, None, None, limit, "", "no data", "the query returned no datapoint")
    if check.maximum is not None and max(values) > check.maximum:
        worst = max(values)
        return Reading(
            check.name, worst, None, check.maximum, "", "fail", f"{worst:g} > max {check.maximum:g}"
        )
    if check.minimum is not None and min(values) < check.minimum:
        worst = min(values)
        return Reading(
            check.name, worst, None, check.minimum, "", "fail", f"{worst:g} < min {check.minimum:g}"
        )
    shown = max(values) if check.maximum is not None else min(values)
    limit = check.maximum if check.maximum is not None else check.minimum
    return Reading(check.name, shown, None, limit, "", "pass", f"{shown:g} within the limit")


def _alarm(name: str, state: str) -> Reading:
    if state == "ALARM":
        return Reading(f"alarm {name}", None, None, None, "", "fail", "in ALARM")
    if state == "OK":
        return Reading(f"alarm {name}", None, None, None, "", "pass", "OK")
    # INSUFFICIENT_DATA: the alarm has nothing to judge either; it is not a failure of the canary.
    return Reading(
        f"alarm {name}", None, None, None, "", "pass", state.lower().replace("_", " ") or "no state"
    )


def outcome(found: Sequence[Reading]) -> Outcome:
    """An interval fails on any failing check; without one, it lacks data if any check does."""
    outcomes = {reading.outcome for reading in found}
    if "fail" in outcomes:
        return "fail"
    return "no data" if "no data" in outcomes or not found else "pass"


def decide(settings: AnalysisSettings, intervals: Sequence[Interval]) -> tuple[Outcome, str] | None:
    """The verdict once it is certain (None: measure on): too many failures, too little data, or all done."""
    failed = [i for i in intervals if i.outcome == "fail"]
    empty = [i for i in intervals if i.outcome == "no data"]
    if len(failed) > settings.failure_limit:
        last = failed[-1]
        why = "; ".join(f"{r.check} {r.why}" for r in last.readings if r.outcome == "fail")
        numbers = ", ".join(str(i.number) for i in failed)
        where = f"{plural(len(failed), 'interval')} {numbers} of {settings.count}"
        return "fail", f"canary analysis failed in {where}: {why}"
    if len(empty) > settings.no_data_limit:
        last = empty[-1]
        why = "; ".join(dict.fromkeys(f"{r.check}: {r.why}" for r in last.readings if r.outcome == "no data"))
        numbers = ", ".join(str(i.number) for i in empty)
        where = f"{plural(len(empty), 'interval')} {numbers}"
        return "no data", f"not enough data to judge the canary in {where}: {why}"
    if len(intervals) < settings.count:
        return None
    passed = len(intervals) - len(failed) - len(empty)
    if not passed:
        return "no data", "not enough data to judge the canary: no interval could be judged"
    return "pass", f"canary analysis passed: {passed} of {counted(settings.count, 'interval')} passed"
