"""Where the time went, from the job's own target-health reads, and which settings deserve a hint."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws
from ci_ecs.aws.elbv2 import Sighting, Target
from ci_ecs.checks import slow_settings
from ci_ecs.checks.slow_settings import Span, batches, costly, spans

GROUP = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/0123456789abcdef"


def _seen(at: float, **states: str) -> Sighting:
    return Sighting(at, GROUP, tuple(Target(ip, 8080, state) for ip, state in states.items()))


def test_a_drain_lasts_from_the_first_read_seeing_it_draining_to_the_first_not_seeing_the_target() -> None:
    reads = [
        _seen(100.0, a="healthy"),
        _seen(101.0, a="draining", b="initial"),
        _seen(102.0, a="draining", b="healthy"),
        _seen(105.0, b="healthy"),
        _seen(106.0, b="healthy"),
    ]
    assert spans(reads, origin=100.0) == [
        Span(GROUP, "draining", 1.0, 4.0),
        Span(GROUP, "healthy", 1.0, 1.0),
    ]


def test_overlapping_drains_count_once_and_a_drain_never_seen_ending_lasts_until_the_last_read() -> None:
    reads = [
        _seen(0.0, a="draining"),
        _seen(2.0, a="draining", b="draining"),
        _seen(3.0, b="draining"),
        _seen(4.0, b="draining"),
    ]
    assert spans(reads, origin=0.0) == [Span(GROUP, "draining", 0.0, 4.0)]


def test_a_target_already_healthy_when_first_seen_says_nothing_of_its_health_checks() -> None:
    assert spans([_seen(0.0, a="healthy"), _seen(5.0, a="healthy")], origin=0.0) == []


def test_only_what_cost_a_quarter_of_the_job_and_a_second_is_worth_a_hint() -> None:
    found = [Span(GROUP, "draining", 0, 3.0), Span(GROUP, "healthy", 0, 0.9)]
    assert costly(found, job_seconds=10.0) == {(GROUP, "draining"): 3.0}
    assert costly(found, job_seconds=20.0) == {}
    assert costly([Span(GROUP, "draining", 0, 0.9)], job_seconds=1.0) == {}


@pytest.mark.parametrize(
    ("desired", "low", "high", "rounds"),
    [(3, 100, 200, 1), (4, 50, 100, 2), (4, 100, 150, 2), (10, 100, 110, 10), (0, 100, 200, 1)],
)
def test_a_rolling_update_replaces_tasks_in_rounds_its_percentages_allow(
    desired: int, low: int, high: int, rounds: int
) -> None:
    assert batches(desired, low, high) == rounds


def _stubbed(replies: list[tuple[str, dict[str, Any]]]) -> tuple[Aws, Stubber]:
    aws = Aws("us-east-1")
    stub = Stubber(aws.client("elbv2"))
    for operation, reply in replies:
        stub.add_response(operation, reply)
    stub.activate()
    return aws, stub


def test_a_long_drain_reads_the_delay_and_a_short_delay_gives_no_hint() -> None:
    attributes = {"Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}]}
    aws, stub = _stubbed([("describe_target_group_attributes", attributes)])
    found = slow_settings.hints(aws, [Span(GROUP, "draining", 1.0, 6.0)], job_seconds=8.0)
    stub.assert_no_pending_responses()
    assert [(h.setting, h.value, h.seconds) for h in found] == [
        ("deregistration delay of target group web", "300s", 6.0)
    ]
    assert "6.0s, 75% of the job" in found[0].advice

    short = {"Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "10"}]}
    aws, stub = _stubbed([("describe_target_group_attributes", short)])
    assert slow_settings.hints(aws, [Span(GROUP, "draining", 1.0, 6.0)], job_seconds=8.0) == ()


def test_a_quick_job_reads_no_setting() -> None:
    aws, _ = _stubbed([])  # any call would fail: the stub has no reply
    assert slow_settings.hints(aws, [Span(GROUP, "draining", 0.0, 0.5)], job_seconds=8.0) == ()
    assert aws.calls == {}
