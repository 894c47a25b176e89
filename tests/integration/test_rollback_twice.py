"""A second rollback of the switch and taskset techniques changes nothing and says nothing was rolled back."""

from __future__ import annotations

from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client


def _tags(sandbox: sandboxes.Sandbox, cluster: str, service: str) -> dict[str, str]:
    found = client(sandbox, "ecs").describe_services(cluster=cluster, services=[service], include=["TAGS"])
    return {t["key"]: t["value"] for t in found["services"][0].get("tags", [])}


def _stable(tags: dict[str, str]) -> dict[str, str]:
    keys = ("ci-ecs:version", "ci-ecs:task-definition", "ci-ecs:rolled-back-from", "ci-ecs:previous-version")
    return {k: tags.get(k, "") for k in keys}


def _says_nothing_was_rolled_back(run: Any, service: str, version: str, technique: str) -> None:
    assert run.code == 0, run.output
    assert "nothing to roll back" in run.stdout
    assert f"rollback success: {version} on {service} by {technique} (already on {version}" in run.stdout
    assert f"rollback: nothing was rolled back, {service} was already on {version}" in run.stdout
    assert "rollback succeeded" not in run.stdout and "previous version:" not in run.stdout


def test_switch_rollback_twice_says_nothing_was_rolled_back_the_second_time(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    switch = lambda *args: cli("--config", "ci-ecs-switch.yml", *args)  # noqa: E731
    assert switch("deploy", "--image", f"{sample.repository}:v2").code == 0
    assert switch("rollback").code == 0
    first = _tags(sandbox, sample.cluster, "web-sw-v1")

    again = switch("rollback")

    _says_nothing_was_rolled_back(again, "web-sw-v1", "v1", "switch")
    assert _stable(_tags(sandbox, sample.cluster, "web-sw-v1")) == _stable(first)


def test_taskset_rollback_twice_stays_and_says_nothing_was_rolled_back_the_second_time(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    taskset = lambda *args: cli("--config", "ci-ecs-taskset.yml", *args)  # noqa: E731
    for tag in ("v2", "v3"):
        assert taskset("deploy", "--image", f"{sample.repository}:{tag}").code == 0
    assert taskset("rollback").code == 0
    first = _tags(sandbox, sample.cluster, sample.external_service)
    assert (first["ci-ecs:version"], first["ci-ecs:rolled-back-from"]) == ("v2", "v3")

    again = taskset("rollback")

    _says_nothing_was_rolled_back(again, sample.external_service, "v2", "taskset")
    assert _stable(_tags(sandbox, sample.cluster, sample.external_service)) == _stable(first)
