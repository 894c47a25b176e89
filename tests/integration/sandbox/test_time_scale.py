"""Under a time scale, a client polling like the aws CLI sees a rollout's states, in order, in AWS-like time.

No wall-clock assertions: polls are spaced in simulated time, and what is asserted is the states seen and
the simulated seconds (ticks × tick × scale) at which they were seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ci_ecs.sandbox import Sample, Sandbox
from ci_ecs.sandbox.ecs.native.model import find_deployment
from ci_ecs.sandbox.state import RUNTIME
from tests.integration.sandbox.conftest import Aws
from tests.integration.sandbox.ecs.native_helpers import Native

SCALE = 30  # AWS durations ÷ 30: at the suite's 0.05 s tick, one tick is 1.5 s of AWS time
POLL = 15  # seconds between polls of `aws ecs wait services-stable` (the aws CLI waiter)


@pytest.fixture
def scaled(sandbox: Sandbox, sample: Sample) -> Iterator[Sandbox]:
    """The session's sandbox, seeded at the default pace, running at SCALE for one test."""
    sandbox.set_time_scale(SCALE)
    try:
        yield sandbox
    finally:
        sandbox.set_time_scale(None)
        sandbox.wait_idle(timeout=120)


@dataclass
class Clock:
    """Simulated time since a start tick, in AWS seconds."""

    start: int

    def seconds(self) -> float:
        return RUNTIME.config.seconds(RUNTIME.now - self.start)

    def wait_until(self, aws: Aws, seconds: float) -> None:
        aws.wait_for(lambda: self.seconds() >= seconds, f"simulated second {seconds}", timeout=120)


def _phase(aws: Aws, group: str) -> str:
    """The state of a rolling update one client poll sees (services, tasks, target health)."""
    service = aws.service()
    primary = next(d for d in service["deployments"] if d["status"] == "PRIMARY")
    if primary["rolloutState"] == "COMPLETED":
        return "completed"
    tasks = aws.tasks()
    ips = {Aws.detail(t, "privateIPv4Address"): t for t in tasks if t["lastStatus"] != "STOPPED"}
    health = {ip: state["State"] for (ip, _), state in aws.targets(group).items()}
    new = [t for t in tasks if t["taskDefinitionArn"] == primary["taskDefinition"]]
    old_alive = [t for t in ips.values() if t["taskDefinitionArn"] != primary["taskDefinition"]]
    if any(state == "draining" for state in health.values()):
        return "draining old targets"
    if not new or any(t["lastStatus"] in ("PROVISIONING", "PENDING") for t in new):
        return "starting new tasks"
    if any(health.get(Aws.detail(t, "privateIPv4Address")) == "initial" for t in new):
        return "initial health checks"
    if old_alive:
        return "stopping old tasks"
    return f"unexpected: {primary['rolloutState']}, tasks {sorted(t['lastStatus'] for t in tasks)}"


def _follow(aws: Aws, clock: Clock, until: str) -> list[tuple[float, str]]:
    """Poll every POLL simulated seconds until `until` is seen; every (simulated second, phase) seen."""
    seen: list[tuple[float, str]] = []
    while not seen or seen[-1][1] != until:
        clock.wait_until(aws, len(seen) * POLL)
        at = clock.seconds()
        seen.append((at, _phase(aws, aws.sample.target_group_arn)))
        assert len(seen) < 40, seen
    return seen


def _firsts(seen: list[tuple[float, str]]) -> list[tuple[str, float]]:
    """Each phase in the order first seen, with the simulated second it was first seen at."""
    found: list[tuple[str, float]] = []
    for at, phase in seen:
        if not found or found[-1][0] != phase:
            found.append((phase, at))
    return found


def test_a_rolling_update_polled_every_15_aws_seconds_shows_each_state_in_order(
    scaled: Sandbox, aws: Aws, sample: Sample
) -> None:
    # The AWS default health check (30 s, one passing check for a new target); the sample's own
    # deregistration delay (30 s): both read from the target group, as the clock scales them.
    aws.elbv2.modify_target_group(
        TargetGroupArn=sample.target_group_arn, HealthCheckIntervalSeconds=30, HealthyThresholdCount=5
    )
    revision = aws.register_revision(f"{sample.repository}:v2")
    clock = Clock(RUNTIME.now)
    aws.update(taskDefinition=revision)

    seen = _follow(aws, clock, "completed")

    firsts = _firsts(seen)
    assert [phase for phase, _ in firsts] == [
        "starting new tasks",  # PROVISIONING 15 s + PENDING 30 s
        "initial health checks",  # one check: HealthCheckIntervalSeconds 30 s
        "draining old targets",  # deregistration_delay.timeout_seconds 30 s
        "stopping old tasks",  # STOPPING 15 s + DEPROVISIONING 15 s
        "completed",
    ], seen
    at = dict(firsts)
    # Each state is first seen at the first poll after AWS's typical durations up to it have passed
    # (a poll sees a state that began up to one poll interval earlier; a few ticks of scheduling).
    for phase, begins in (
        ("initial health checks", 45),
        ("draining old targets", 75),
        ("stopping old tasks", 105),
        ("completed", 135),
    ):
        assert begins <= at[phase] <= begins + POLL + 5 * clock_tick(), (phase, seen)
    assert len(seen) >= 135 // POLL


def clock_tick() -> float:
    """Simulated seconds per tick at the current scale."""
    return RUNTIME.config.seconds(1)


def _target_states(aws: Aws, group: str, target: dict[str, Any]) -> str | None:
    reply = aws.elbv2.describe_target_health(TargetGroupArn=group, Targets=[target])
    state: str = reply["TargetHealthDescriptions"][0]["TargetHealth"]["State"]
    return state


def _ticks_until(aws: Aws, group: str, target: dict[str, Any], state: str) -> int:
    """Ticks from now until the target is in `state` (polled every few milliseconds)."""
    start = RUNTIME.now
    aws.wait_for(lambda: _target_states(aws, group, target) == state, f"target {state}", timeout=60)
    return RUNTIME.now - start


def test_health_checks_and_deregistration_delay_come_from_the_target_group_under_a_time_scale(
    scaled: Sandbox, aws: Aws, sample: Sample
) -> None:
    group = sample.target_group_arn
    aws.elbv2.modify_target_group(
        TargetGroupArn=group, HealthCheckIntervalSeconds=20, UnhealthyThresholdCount=2
    )
    aws.elbv2.modify_target_group_attributes(
        TargetGroupArn=group, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "45"}]
    )
    config = RUNTIME.config
    _, ip = aws.run_standalone("v2-unhealthy")
    target = {"Id": ip, "Port": sample.container_port}

    aws.elbv2.register_targets(TargetGroupArn=group, Targets=[target])
    to_unhealthy = _ticks_until(aws, group, target, "unhealthy")
    aws.elbv2.deregister_targets(TargetGroupArn=group, Targets=[target])
    drained = _ticks_until(aws, group, target, "unused")

    # 20 s × 2 failed checks, and a 45 s delay (not the sample's 10 s × 3 and 30 s, nor AWS's defaults):
    # AWS seconds ÷ 30 at the suite's 0.05 s tick, within a tick or two.
    assert config.ticks_for(40) <= to_unhealthy <= config.ticks_for(40) + 2
    assert config.ticks_for(45) <= drained <= config.ticks_for(45) + 2
    assert config.seconds(to_unhealthy) >= 40 and config.seconds(drained) >= 45


def test_an_ecs_native_deployment_bakes_its_minutes_at_the_time_scale(
    sandbox: Sandbox, aws: Aws, sample: Sample
) -> None:
    native = Native(aws, sample.native[0])
    source = native.service()["taskDefinition"]
    sandbox.set_time_scale(60)  # one tick: 3 AWS seconds; one AWS minute: 20 ticks (10 without a scale)
    try:
        minute_ticks, clock = RUNTIME.config.minute_ticks, Clock(RUNTIME.now)
        arn = native.deploy("v2", bakeTimeInMinutes=1)
        done = native.follow(arn, native.service()["taskDefinition"], source, timeout=120)
        elapsed = clock.seconds()
    finally:
        sandbox.set_time_scale(None)
        sandbox.wait_idle(timeout=120)

    assert (done["status"], minute_ticks) == ("SUCCESSFUL", 20)
    deployment = find_deployment(arn)
    assert deployment is not None
    assert [p.ticks for p in deployment.plan if p.stage == "BAKE_TIME"] == [minute_ticks]
    assert "BAKE_TIME" in native.stages()
    # At least the bake, the new tasks' start (15 + 30 s) and the old targets' draining (30 s) in AWS time.
    assert elapsed >= 60 + 45 + 30
