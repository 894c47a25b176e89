"""Every technique leaves the same core ci-ecs:* tags after a deploy and after a rollback (docs/state.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.strategies import state
from tests.integration.helpers import client

SHA_V2 = "2222222222222222222222222222222222222222"
SHA_V3 = "3333333333333333333333333333333333333333"
PIPELINES = "https://gitlab.example.com/shop/web/-/pipelines"

# technique → (config file, the service that carries the tags of a version)
TECHNIQUES: dict[str, tuple[str, Callable[[str], str]]] = {
    "rolling": ("ci-ecs.yml", lambda version: "web"),
    "taskset": ("ci-ecs-taskset.yml", lambda version: "web-ext"),
    "codedeploy": ("ci-ecs-codedeploy.yml", lambda version: "web-bg"),
    "switch": ("ci-ecs-switch.yml", lambda version: f"web-sw-{version}"),
}


def _pipeline(number: int, sha: str) -> dict[str, str]:
    """The variables of a GitLab pipeline (not in CI: no forge, no output files)."""
    return {"CI_COMMIT_SHA": sha, "CI_PIPELINE_ID": str(number), "CI_PIPELINE_URL": f"{PIPELINES}/{number}"}


def _tags(sandbox: sandboxes.Sandbox, service: str) -> dict[str, str]:
    ecs = client(sandbox, "ecs")
    found = ecs.describe_services(cluster="demo", services=[service], include=["TAGS"])["services"][0]
    return {t["key"]: t["value"] for t in found.get("tags", []) if t["key"].startswith(state.PREFIX)}


def _core(tags: dict[str, str]) -> dict[str, str]:
    """The core set, with the values that vary by run (ARNs, times) reduced to their presence."""
    found = {k: tags[k] for k in state.CORE if k in tags}
    for key in (state.TASK_DEFINITION, state.PREVIOUS_TASK_DEFINITION, state.DEPLOYED_AT):
        if key in found:
            found[key] = "set"
    return found


@pytest.mark.parametrize("technique", sorted(TECHNIQUES))
def test_deploy_and_rollback_write_the_same_core_tags(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, technique: str
) -> None:
    config, service_of = TECHNIQUES[technique]
    env = {
        "switch": {"CI_ECS_SWITCH_OVERLAP": "0.1"},
        "codedeploy": {"CI_ECS_CODEDEPLOY_TERMINATION_WAIT": "1m"},
    }.get(technique, {})
    for number, sha, version in ((101, SHA_V2, "v2"), (102, SHA_V3, "v3")):
        run = cli(
            "--config",
            config,
            "deploy",
            "--image",
            f"{sample.repository}:{version}",
            env={**env, **_pipeline(number, sha)},
        )
        assert run.code == 0, run.output

    assert _core(_tags(sandbox, service_of("v3"))) == {
        state.TECHNIQUE: technique,
        state.VERSION: "v3",
        state.TASK_DEFINITION: "set",
        state.PREVIOUS_VERSION: "v2",
        state.PREVIOUS_TASK_DEFINITION: "set",
        state.DEPLOYED_AT: "set",
        state.COMMIT: SHA_V3,
        state.PIPELINE: f"{PIPELINES}/102",
        state.PIPELINE_ID: "102",
    }

    back = cli("--config", config, "rollback", env={**env, **_pipeline(103, SHA_V3)})
    assert back.code == 0, back.output
    # The version live again keeps where it came from: v2's commit and pipeline.
    assert _core(_tags(sandbox, service_of("v2"))) == {
        state.TECHNIQUE: technique,
        state.VERSION: "v2",
        state.TASK_DEFINITION: "set",
        state.PREVIOUS_VERSION: "v3",
        state.PREVIOUS_TASK_DEFINITION: "set",
        state.DEPLOYED_AT: "set",
        state.COMMIT: SHA_V2,
        state.PIPELINE: f"{PIPELINES}/101",
        state.PIPELINE_ID: "101",
        state.ROLLED_BACK_FROM: "v3",
    }
