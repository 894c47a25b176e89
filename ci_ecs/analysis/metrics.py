"""Reading one interval from CloudWatch: load-balancer metrics per side, custom queries, alarm states.

One GetMetricData call per interval carries every query (both sides' target groups and every custom
check), and one DescribeAlarms call when alarms are checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ci_ecs.analysis.verdict import Measured, Traffic
from ci_ecs.aws.clients import Aws, call
from ci_ecs.errors import PreconditionError
from ci_ecs.settings.analysis import AnalysisSettings, MetricCheck

NAMESPACE = "AWS/ApplicationELB"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Subject:
    """What is measured: the canary's target groups and the stable version's (each with its load balancers).

    `shared`: the canary serves from the stable version's own target groups (task and service modes), so
    the load-balancer metrics are of both together and there is no separate baseline.
    """

    version: str
    canary: tuple[tuple[str, str], ...]  # (load balancer ARN, target group ARN)
    baseline: tuple[tuple[str, str], ...] = ()
    shared: bool = False


def subject(
    aws: Aws, version: str, canary: Sequence[str], baseline: Sequence[str] = (), *, shared: bool = False
) -> Subject:
    """The subject of these target groups, each paired with the load balancers that send it traffic."""
    groups = list(dict.fromkeys([*canary, *baseline]))
    if not groups:
        return Subject(version, (), (), shared)
    elbv2 = aws.client("elbv2")
    reply = call("reading the target groups to measure", elbv2.describe_target_groups, TargetGroupArns=groups)
    balancers = {g["TargetGroupArn"]: tuple(g.get("LoadBalancerArns", [])) for g in reply["TargetGroups"]}
    for group in groups:
        if not balancers.get(group):
            raise PreconditionError(
                f"analysis: target group {group.split(':')[-1]} is behind no load balancer — its metrics "
                "cannot be read (attach it to a listener rule)"
            )
    return Subject(
        version,
        tuple((balancer, group) for group in canary for balancer in balancers[group]),
        tuple((balancer, group) for group in baseline for balancer in balancers[group]),
        shared,
    )


def check_alarms(aws: Aws, names: Sequence[str]) -> str:
    """Every alarm exists (else a PreconditionError naming the missing ones); their states, in words."""
    if not names:
        return ""
    states = alarm_states(aws, names)
    missing = [name for name in names if name not in states]
    if missing:
        raise PreconditionError(
            f"analysis.alarms: no CloudWatch alarm named {', '.join(missing)} — create it or fix the name"
        )
    return ", ".join(f"{name} {state}" for name, state in states.items())


def alarm_states(aws: Aws, names: Sequence[str]) -> dict[str, str]:
    """The state of each alarm that exists, by name (DescribeAlarms takes up to 100 names)."""
    cloudwatch, states = aws.client("cloudwatch"), dict[str, str]()
    for start in range(0, len(names), 100):
        reply = call(
            "reading the analysis alarms",
            cloudwatch.describe_alarms,
            AlarmNames=list(names[start : start + 100]),
        )
        for alarm in [*reply.get("MetricAlarms", []), *reply.get("CompositeAlarms", [])]:
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states


def _dimensions(balancer: str, group: str) -> list[dict[str, str]]:
    """ALB metrics per target group: dimensions LoadBalancer (`app/…`) and TargetGroup (`targetgroup/…`)."""
    return [
        {"Name": "LoadBalancer", "Value": balancer.split(":loadbalancer/", 1)[-1]},
        {"Name": "TargetGroup", "Value": group.split(":", 5)[-1]},
    ]


def _stat(query_id: str, metric: str, stat: str, balancer: str, group: str, period: int) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": _dimensions(balancer, group),
            },
            "Period": period,
            "Stat": stat,
        },
    }


def _side_queries(
    prefix: str, pairs: Sequence[tuple[str, str]], period: int, p99: bool
) -> list[dict[str, Any]]:
    found = []
    for n, (balancer, group) in enumerate(pairs):
        found.append(_stat(f"{prefix}{n}_requests", "RequestCount", "Sum", balancer, group, period))
        found.append(
            _stat(f"{prefix}{n}_errors", "HTTPCode_Target_5XX_Count", "Sum", balancer, group, period)
        )
        if p99:
            found.append(_stat(f"{prefix}{n}_p99", "TargetResponseTime", "p99", balancer, group, period))
    return found


def _filled(value: Any, values: Mapping[str, str]) -> Any:
    """`{{ version }}` and the other placeholders replaced in every string of a query."""
    if isinstance(value, str):
        for name, replacement in values.items():
            value = re.sub(r"\{\{\s*" + name + r"\s*\}\}", replacement, value)
        return value
    if isinstance(value, Mapping):
        return {k: _filled(v, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_filled(v, values) for v in value]
    return value


def _custom_queries(
    number: int, check: MetricCheck, period: int, fill: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A check's queries with ids of their own (`q<n>_<id>`, in expressions too) and the interval's period."""
    ids = {str(q["Id"]) for q in check.queries}
    prefix = f"q{number}_"
    found = []
    for query in check.queries:
        query = dict(_filled(dict(query), fill))
        query["Id"] = prefix + query["Id"]
        if "Expression" in query:
            # Functions are upper case (SUM, METRICS, IF): a word that is one of the ids is an id.
            query["Expression"] = _WORD.sub(
                lambda m: prefix + m.group(0) if m.group(0) in ids else m.group(0), str(query["Expression"])
            )
            query.setdefault("Period", period)
        else:
            query["MetricStat"] = {"Period": period, **dict(query["MetricStat"])}
        query["ReturnData"] = bool(query.get("ReturnData", True))
        found.append(query)
    return found


def placeholders(subject: Subject) -> dict[str, str]:
    """What custom queries may use: the version, the first canary and baseline target group, its balancer."""
    values = {"version": subject.version}
    if subject.canary:
        balancer, group = subject.canary[0]
        values.update(load_balancer=_dimensions(balancer, group)[0]["Value"])
        values.update(canary_target_group=_dimensions(balancer, group)[1]["Value"])
    if subject.baseline:
        values.update(baseline_target_group=_dimensions(*subject.baseline[0])[1]["Value"])
    return values


def queries(settings: AnalysisSettings, subject: Subject, period: int) -> list[dict[str, Any]]:
    """Every GetMetricData query of one interval."""
    found: list[dict[str, Any]] = []
    if settings.load_balancer_checks:
        p99 = settings.p99_latency is not None or settings.p99_latency_vs_baseline is not None
        found += _side_queries("canary", subject.canary, period, p99)
        if not subject.shared:
            found += _side_queries("baseline", subject.baseline, period, p99)
    fill = placeholders(subject)
    for number, check in enumerate(settings.queries):
        found += _custom_queries(number, check, period, fill)
    return found


def _numbers(results: Mapping[str, list[float]], prefix: str, count: int, what: str) -> list[float]:
    return [v for n in range(count) for v in results.get(f"{prefix}{n}_{what}", [])]


def _traffic(results: Mapping[str, list[float]], prefix: str, count: int) -> Traffic | None:
    if not count:
        return None
    p99s = _numbers(results, prefix, count, "p99")
    return Traffic(
        sum(_numbers(results, prefix, count, "requests")),
        sum(_numbers(results, prefix, count, "errors")),
        max(p99s) if p99s else None,  # of several load balancers, the worst
    )


def measure(
    aws: Aws, settings: AnalysisSettings, subject: Subject, start: datetime, end: datetime
) -> Measured:
    """One interval's values: one GetMetricData call (and DescribeAlarms when alarms are checked)."""
    period = round((end - start).total_seconds())
    wanted = queries(settings, subject, period)
    results: dict[str, list[float]] = {}
    if wanted:
        cloudwatch = aws.client("cloudwatch")
        token: str | None = None
        while True:
            more = {"NextToken": token} if token else {}
            reply = call(
                f"reading the canary's metrics for {start:%H:%M:%S}–{end:%H:%M:%S} UTC",
                cloudwatch.get_metric_data,
                MetricDataQueries=wanted,  # type: ignore[arg-type]
                StartTime=start,
                EndTime=end,
                **more,  # type: ignore[arg-type]
            )
            for result in reply.get("MetricDataResults", []):
                values = [float(v) for v in result.get("Values", []) if v is not None]
                results.setdefault(result["Id"], []).extend(values)
            token = reply.get("NextToken")
            if not token:
                break
    lb = settings.load_balancer_checks
    canary = _traffic(results, "canary", len(subject.canary)) if lb else None
    baseline = _traffic(results, "baseline", len(subject.baseline)) if lb and not subject.shared else None
    custom = {
        check.name: next(
            (results.get(f"q{n}_{q['Id']}", []) for q in check.queries if q.get("ReturnData", True)), []
        )
        for n, check in enumerate(settings.queries)
    }
    alarms = alarm_states(aws, settings.alarms) if settings.alarms else {}
    return Measured(canary, baseline, custom, alarms)


def utc(seconds: float) -> datetime:
    """A wall-clock time as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)
