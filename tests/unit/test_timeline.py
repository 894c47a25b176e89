"""A job's steps in time: recorded by the runner, shown as text and as a Mermaid gantt."""

from __future__ import annotations

import re

import pytest

from ci_ecs import runner, timeline
from ci_ecs.errors import DeploymentFailed
from ci_ecs.model import Phase
from ci_ecs.output import Console
from ci_ecs.runner import Plan, Step

PHASES = (
    Phase("inspect service web", 0.0, 0.4, "done"),
    Phase("wait: for the rollout", 0.4, 9.6, "failed"),
    Phase("undo: update the service", 10.0, 2.0, "undone"),
)


def test_the_text_timeline_has_start_duration_a_bar_and_the_step() -> None:
    lines = timeline.text_lines(PHASES)
    assert lines[0] == "timeline:"
    assert re.fullmatch(r"      0\.0s     0\.4s █ +inspect service web", lines[1])
    assert lines[2].endswith("wait: for the rollout (failed)") and "█" * 16 in lines[2]
    assert lines[3].endswith("undo: update the service (undone)")


def test_the_gantt_is_valid_mermaid_with_milliseconds_and_safe_names() -> None:
    lines = timeline.mermaid(PHASES, "deploy failed: v2 on web")
    assert lines[:5] == [
        "```mermaid",
        "gantt",
        "    title deploy failed  v2 on web",
        "    dateFormat x",
        "    axisFormat %M:%S",
    ]
    assert lines[5:-1] == [
        "    inspect service web :s1, 0, 400",
        "    wait  for the rollout :crit, s2, 400, 10000",
        "    undo  update the service :active, s3, 10000, 12000",
    ]
    assert lines[-1] == "```"
    for line in lines[5:-1]:  # name, then ":", optional tags, an id, a start and an end
        assert re.fullmatch(r"    [^:;#]+ :(?:(?:crit|active), )?s\d+, \d+, \d+", line)


def test_the_runner_records_every_step_and_undo_in_order() -> None:
    kept = timeline.Timeline()

    def fail() -> str:
        raise DeploymentFailed("boom")

    plan = Plan("t", (Step("first", lambda: "ok", lambda: "back"), Step("second", fail)))
    with pytest.raises(DeploymentFailed):
        runner.run(plan, Console(), timeline=kept)
    assert [(p.name, p.outcome) for p in kept.phases] == [
        ("first", "done"),
        ("second", "failed"),
        ("undo: first", "undone"),
    ]
    assert all(p.start >= 0 and p.seconds >= 0 for p in kept.phases)


def test_what_the_targets_were_seen_doing_gets_a_section_of_its_own_in_the_gantt() -> None:
    phases = (
        Phase("update service web", 0.0, 0.1, "done"),
        Phase("targets draining in web", 1.0, 6.0, "observed"),
    )
    lines = timeline.mermaid(phases, "deploy succeeded")
    assert lines[5:-1] == [
        "    section steps",
        "    update service web :s1, 0, 100",
        "    section load balancer",
        "    targets draining in web :done, s2, 1000, 7000",
    ]
    assert timeline.text_lines(phases)[2].endswith("targets draining in web")
