"""Judging a canary: readings per check, an interval's outcome, the verdict over the intervals."""

from __future__ import annotations

from ci_ecs.analysis.verdict import Measured, Traffic, decide, outcome, readings
from ci_ecs.model import Interval
from ci_ecs.settings.analysis import AnalysisSettings, MetricCheck


def _measured(canary: Traffic | None, baseline: Traffic | None = None, **more: object) -> Measured:
    return Measured(canary, baseline, more.get("queries", {}), more.get("alarms", {}))  # type: ignore[arg-type]


def _interval(number: int, settings: AnalysisSettings, measured: Measured) -> Interval:
    found = readings(settings, measured)
    return Interval(number, "", "", None, found, outcome(found))


def test_error_rate_above_the_limit_fails_and_names_the_values() -> None:
    settings = AnalysisSettings(error_rate=5)
    (reading,) = readings(settings, _measured(Traffic(1000, 480, None)))
    assert (reading.outcome, reading.canary, reading.limit) == ("fail", 48.0, 5)
    assert "48.00% vs at most 5%" in reading.why


def test_an_interval_with_too_few_requests_is_no_data_never_a_pass() -> None:
    settings = AnalysisSettings(error_rate=5, min_requests=50)
    (reading,) = readings(settings, _measured(Traffic(12, 0, None)))
    assert reading.outcome == "no data"
    assert "12 canary requests, fewer than min_requests 50" in reading.why


def test_relative_error_rate_fails_above_the_baseline_and_passes_when_both_are_equally_bad() -> None:
    settings = AnalysisSettings(error_rate_vs_baseline=1.5)
    worse = readings(settings, _measured(Traffic(1000, 300, None), Traffic(9000, 900, None)))
    same = readings(settings, _measured(Traffic(1000, 300, None), Traffic(9000, 2700, None)))
    assert [r.outcome for r in worse] == ["fail"]
    assert worse[0].limit == 15.0
    assert [r.outcome for r in same] == ["pass"]


def test_one_error_against_a_clean_baseline_does_not_fail_a_relative_check() -> None:
    settings = AnalysisSettings(error_rate_vs_baseline=1.5)
    (reading,) = readings(settings, _measured(Traffic(200, 1, None), Traffic(2000, 0, None)))
    assert reading.outcome == "pass"


def test_p99_latency_limits_absolute_and_relative() -> None:
    settings = AnalysisSettings(p99_latency=0.8, p99_latency_vs_baseline=1.2)
    found = readings(settings, _measured(Traffic(500, 0, 2.5), Traffic(5000, 0, 0.05)))
    assert [(r.check, r.outcome) for r in found] == [
        ("p99 latency", "fail"),
        ("p99 latency vs baseline", "fail"),
    ]
    assert found[1].limit == 0.06


def test_custom_query_and_alarm_readings() -> None:
    check = MetricCheck("checkout-errors", ({"Id": "a", "MetricStat": {}},), maximum=3)
    settings = AnalysisSettings(queries=(check,), alarms=("web-5xx", "web-cpu"))
    found = readings(
        settings,
        _measured(
            None, queries={"checkout-errors": [1.0, 4.0]}, alarms={"web-5xx": "ALARM", "web-cpu": "OK"}
        ),
    )
    assert [(r.check, r.outcome) for r in found] == [
        ("checkout-errors", "fail"),
        ("alarm web-5xx", "fail"),
        ("alarm web-cpu", "pass"),
    ]
    empty = readings(AnalysisSettings(queries=(check,)), _measured(None))
    assert empty[0].outcome == "no data"


def test_verdict_fails_once_failures_pass_the_failure_limit() -> None:
    settings = AnalysisSettings(error_rate=5, count=5, failure_limit=1)
    bad = _measured(Traffic(1000, 400, None))
    first = [_interval(1, settings, bad)]
    assert decide(settings, first) is None  # one failure is tolerated
    verdict = decide(settings, [*first, _interval(2, settings, bad)])
    assert verdict is not None and verdict[0] == "fail"
    assert "intervals 1, 2 of 5" in verdict[1] and "error rate 40.00% vs at most 5%" in verdict[1]


def test_verdict_is_not_enough_data_when_too_many_intervals_lack_traffic() -> None:
    settings = AnalysisSettings(error_rate=5, count=3, no_data_limit=1)
    quiet = _measured(Traffic(3, 0, None))
    intervals = [_interval(1, settings, quiet), _interval(2, settings, quiet)]
    verdict = decide(settings, intervals)
    assert verdict is not None and verdict[0] == "no data"
    assert verdict[1].startswith("not enough data")


def test_verdict_passes_only_after_every_interval_and_with_one_judged() -> None:
    settings = AnalysisSettings(error_rate=5, count=2, no_data_limit=2)
    good, quiet = _measured(Traffic(1000, 1, None)), _measured(Traffic(0, 0, None))
    assert decide(settings, [_interval(1, settings, good)]) is None
    passed = decide(settings, [_interval(1, settings, good), _interval(2, settings, good)])
    assert passed == ("pass", "canary analysis passed: 2 of 2 intervals passed")
    nothing = decide(settings, [_interval(1, settings, quiet), _interval(2, settings, quiet)])
    assert nothing is not None and nothing[0] == "no data"
