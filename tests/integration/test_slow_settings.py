"""Where a deploy's time went: drains and health checks in the timeline, and the slow settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client

SCALE = 50  # AWS durations ÷ 50: at the suite's 0.05 s tick a 300 s deregistration delay lasts 6 s


@pytest.fixture
def scaled(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> Iterator[sandboxes.Sandbox]:
    """The session's sandbox, seeded at the default pace, at SCALE for one test."""
    sandbox.set_time_scale(SCALE)
    try:
        yield sandbox
    finally:
        sandbox.set_time_scale(None)
        sandbox.wait_idle(timeout=120)


def _delay(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, seconds: int) -> None:
    client(sandbox, "elbv2").modify_target_group_attributes(
        TargetGroupArn=sample.target_group_arn,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(seconds)}],
    )


def _fast_polls(workdir: Path) -> None:
    """The sandbox's config polling often, so that the drain is measured to a fraction of a second."""
    path = workdir / "ci-ecs.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["wait"] = {"poll_first": 0.2, "poll_cap": 0.3, "timeout": 120}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_a_300s_deregistration_delay_is_named_as_the_biggest_cost_of_a_rolling_deploy(
    cli: Any, scaled: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _delay(scaled, sample, 300)
    _fast_polls(workdir)

    run = cli("--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    record = json.loads(run.stdout)
    biggest = record["hints"][0]
    group = sample.target_group_arn.split("/")[-2]
    assert biggest["setting"] == f"deregistration delay of target group {group}"
    assert biggest["value"] == "300s"
    assert "deregistration_delay.timeout_seconds" in biggest["advice"]
    assert biggest["seconds"] >= 0.25 * record["seconds"]
    drains = [p for p in record["timeline"] if p["name"] == f"targets draining in {group}"]
    assert drains and all(p["outcome"] == "observed" for p in drains)
    assert sum(p["seconds"] for p in drains) == pytest.approx(biggest["seconds"], abs=0.05)
    log = run.stderr  # with --output json the log goes to stderr
    lines = log.splitlines()
    heading = lines.index("slow settings (the biggest cost first):")
    assert lines[heading + 1].startswith(f"  deregistration delay of target group {group} is 300s: ")


def test_a_10s_deregistration_delay_gets_no_hint(
    cli: Any, scaled: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _delay(scaled, sample, 10)
    _fast_polls(workdir)

    run = cli("--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    record = json.loads(run.stdout)
    assert not [h for h in record["hints"] if h["setting"].startswith("deregistration delay")]
    assert "deregistration delay" not in run.stderr
