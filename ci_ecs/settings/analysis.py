"""The `analysis:` settings: what a canary is measured by, and the converters of its values."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ci_ecs.errors import ConfigError
from ci_ecs.settings.values import Converter, bad, mapping_of, parse_duration
from ci_ecs.settings.yamlfile import load_yaml

Promote = Literal["manual", "auto"]
PROMOTE: tuple[Promote, ...] = get_args(Promote)
# GetMetricData accepts these periods (seconds), and any multiple of 60.
_PERIODS = (1, 5, 10, 30)
_QUERY_KEYS = ("name", "max", "min", "metric_data_queries")
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")  # GetMetricData's rule for a query Id


@dataclass(frozen=True)
class MetricCheck:
    """A custom check: GetMetricData queries, the returned series judged against a maximum or minimum."""

    name: str
    queries: tuple[Mapping[str, Any], ...]  # MetricDataQueries as GetMetricData takes them
    maximum: float | None = None
    minimum: float | None = None


@dataclass(frozen=True)
class AnalysisSettings:
    """How a canary is judged from CloudWatch: its checks, and the intervals they are measured over."""

    interval: float = 60.0  # seconds per interval, a CloudWatch period
    count: int = 5  # intervals per traffic step
    failure_limit: int = 0  # failed intervals tolerated
    no_data_limit: int = 1  # intervals without enough data tolerated (one pass is always needed)
    min_requests: int = 50  # canary requests an interval needs to be judged by the load-balancer checks
    delay: float = 60.0  # how long after an interval its metrics are complete in CloudWatch
    error_rate: float | None = None  # % of the canary's requests answered 5XX by its targets, at most
    error_rate_vs_baseline: float | None = None  # at most this many times the baseline's error rate
    p99_latency: float | None = None  # seconds
    p99_latency_vs_baseline: float | None = None
    queries: tuple[MetricCheck, ...] = ()
    alarms: tuple[str, ...] = ()
    promote: Promote = "manual"

    @property
    def load_balancer_checks(self) -> bool:
        """Whether a built-in check judges the canary's target groups."""
        limits = (
            self.error_rate,
            self.error_rate_vs_baseline,
            self.p99_latency,
            self.p99_latency_vs_baseline,
        )
        return any(limit is not None for limit in limits)

    @property
    def enabled(self) -> bool:
        """Whether anything is checked: without a check there is no analysis."""
        return self.load_balancer_checks or bool(self.queries) or bool(self.alarms)


def _interval(value: object, key: str, source: str) -> float:
    seconds = parse_duration(value) if isinstance(value, str) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise bad(key, source, "a duration like 1m, 5m or 30s", value)
    if seconds in _PERIODS or (seconds >= 60 and seconds % 60 == 0):
        return float(seconds)
    raise ConfigError(
        f"{key}: {value!r} is not a CloudWatch period — use 1s, 5s, 10s, 30s or whole minutes (load "
        f"balancer metrics have one-minute resolution: 1m or more) (from {source})"
    )


interval = Converter("`1s`, `5s`, `10s`, `30s` or whole minutes (`1m`, `5m`)", _interval)


def _latency(value: object, key: str, source: str) -> float:
    if isinstance(value, str) and value.strip().lower().endswith("ms"):
        number = value.strip()[:-2].strip()
        seconds = float(number) / 1000 if re.fullmatch(r"\d+(\.\d+)?", number) else None
    elif isinstance(value, str):
        seconds = parse_duration(value)
    else:
        seconds = None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise bad(key, source, "a time like 800ms, 1.5s or 2 (seconds)", value)
    return seconds


latency = Converter("a time: `800ms`, `1.5s`, or seconds", _latency)


def _percent(value: object, key: str, source: str) -> float:
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    try:
        number = float(text) if isinstance(text, int | float | str) and not isinstance(text, bool) else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or not 0 <= number <= 100:
        raise bad(key, source, "a percentage from 0 to 100, like 1 or 0.5%", value)
    return number


percent = Converter("a percentage from 0 to 100 (`1`, `0.5%`)", _percent)


def _factor(value: object, key: str, source: str) -> float:
    text = value.strip().lower().removesuffix("x").strip() if isinstance(value, str) else value
    try:
        number = float(text) if isinstance(text, int | float | str) and not isinstance(text, bool) else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < 1:
        raise bad(
            key, source, "a factor of at least 1, like 1.5 (the canary at most 1.5× the baseline)", value
        )
    return number


factor = Converter("a factor ≥ 1 (`1.5`: at most 1.5 times the stable version's value)", _factor)


def _limit(item: Mapping[Any, Any], which: str, label: str, source: str) -> float | None:
    value = item.get(which)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad(f"{label}.{which}", source, "a number", value)
    return float(value)


def _check(item: object, label: str, source: str) -> MetricCheck:
    item = mapping_of(item, label, source, _QUERY_KEYS, "a check")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            f"{label}.name: missing — name the check, e.g. `name: checkout-errors` (from {source})"
        )
    maximum, minimum = _limit(item, "max", label, source), _limit(item, "min", label, source)
    if maximum is None and minimum is None:
        raise ConfigError(
            f"{label}: give `max:` or `min:` — the limit the query's values must keep (from {source})"
        )
    queries = item.get("metric_data_queries")
    if isinstance(queries, Mapping):
        queries = [queries]
    if not isinstance(queries, list) or not queries or not all(isinstance(q, Mapping) for q in queries):
        raise bad(
            f"{label}.metric_data_queries",
            source,
            "a list of GetMetricData queries (Id, MetricStat or Expression)",
            queries,
        )
    for number, query in enumerate(queries):
        where = f"{label}.metric_data_queries[{number}]"
        if not isinstance(query.get("Id"), str) or not _ID.fullmatch(query["Id"]):
            raise ConfigError(
                f"{where}.Id: missing or invalid — a lowercase letter, then letters, digits or _ "
                f"(from {source})"
            )
        if ("MetricStat" in query) == ("Expression" in query):
            raise ConfigError(f"{where}: give exactly one of MetricStat and Expression (from {source})")
    returned = [q for q in queries if q.get("ReturnData", True)]
    if len(returned) != 1:
        raise ConfigError(
            f"{label}.metric_data_queries: exactly one query must return data (the one judged) — set "
            f"`ReturnData: false` on the others (from {source})"
        )
    return MetricCheck(name.strip(), tuple(dict(q) for q in queries), maximum, minimum)


def _checks(value: object, key: str, source: str) -> tuple[MetricCheck, ...]:
    items = load_yaml(value, source) if isinstance(value, str) else value
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list | tuple) or not items:
        raise bad(key, source, "a list of checks, each with name, max or min, and metric_data_queries", value)
    found = tuple(_check(item, f"{key}[{number}]", source) for number, item in enumerate(items))
    names = [check.name for check in found]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(
                f"{key}: two checks are named {name!r} — give each its own name (from {source})"
            )
    return found


metric_checks = Converter(
    "a list of checks, each a mapping of `name`, `max` or `min`, and `metric_data_queries` (GetMetricData's "
    "MetricDataQueries; `Period` defaults to the interval; `{{ version }}` is replaced by the canary's "
    "version)",
    _checks,
)


def _steps(value: object, key: str, source: str) -> tuple[int, ...]:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if isinstance(items, int) and not isinstance(items, bool):
        items = [items]
    expected = (
        "a list of traffic percentages, each larger than the one before, from 1 to 100, like [5, 25, 50]"
    )
    if not isinstance(items, list | tuple) or not items:
        raise bad(key, source, expected, value)
    steps: list[int] = []
    for item in items:
        try:
            step = int(item) if not isinstance(item, bool) and str(item).strip().isdigit() else None
        except ValueError:
            step = None
        if step is None or not 1 <= step <= 100 or (steps and step <= steps[-1]):
            raise bad(key, source, expected, value)
        steps.append(step)
    return tuple(steps)


steps = Converter("traffic percentages, each larger than the last: `[5, 25, 50]`", _steps)
