"""A switch deploy SIGKILLed between any two AWS calls is finished by a re-run, or undone by rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import kill_at_every_call
from tests.integration.test_switch import CONFIG, boto, snapshot

FAST = {"CI_ECS_SWITCH_OVERLAP": "0.1"}  # the overlap is a sleep: nothing to kill inside it


def _stable(state: dict[str, Any]) -> dict[str, Any]:
    """The state judged after a rollback: v2 may be gone, or kept retired (at 0, obsolete, no autoscaling)."""
    services = dict(state["services"])
    if services.get("web-sw-v2") == {"desired": 0, "obsolete": True, "group": "web-sw-v2"}:
        del services["web-sw-v2"]
        groups = [g for g in state["target_groups"] if g != "web-sw-v2"]
        obsolete = [g for g in state["obsolete_groups"] if g != "web-sw-v2"]
    else:
        groups, obsolete = state["target_groups"], state["obsolete_groups"]
    return {**state, "services": services, "target_groups": groups, "obsolete_groups": obsolete}


@pytest.mark.parametrize("then", ["rerun", "rollback"])
def test_killed_switch_deploy_is_finished_by_rerun_or_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, then: str
) -> None:
    read = boto(sandbox)
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        ("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2"),
        ("--config", CONFIG, "rollback"),
        lambda _: snapshot(read, workdir),
        thens=(then,),
        extra=FAST,
        after_rollback=_stable,
        # After every call that changes AWS (and the first): a kill after a read leaves what a kill after the
        # write before it leaves, so every step the job can be killed after is still covered in half the runs.
        after_writes_only=True,
    )
