"""`ci-ecs rollback` for the rolling technique, against the sandbox."""

from __future__ import annotations

from typing import Any

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import client


def _service(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    found: dict[str, Any] = client(sandbox, "ecs").describe_services(
        cluster=sample.cluster, services=[sample.service], include=["TAGS"]
    )["services"][0]
    return found


def _tags(service: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in service.get("tags", [])}


def _live_image(sandbox: sandboxes.Sandbox, service: dict[str, Any]) -> str:
    td = client(sandbox, "ecs").describe_task_definition(taskDefinition=service["taskDefinition"])
    return str(td["taskDefinition"]["containerDefinitions"][0]["image"])


def _deploy(cli: Any, sample: sandboxes.Sample, *tags: str) -> None:
    for tag in tags:
        run = cli("deploy", "--image", f"{sample.repository}:{tag}")
        assert run.code == 0, run.output


def test_rollback_returns_to_the_previous_version_and_says_so_everywhere(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2", "v3")

    run = cli("rollback")

    assert run.code == 0, run.output
    service = _service(sandbox, sample)
    assert _live_image(sandbox, service) == f"{sample.repository}@{sample.images['v2']}"
    deployments = service["deployments"]
    assert len(deployments) == 1 and deployments[0]["rolloutState"] == "COMPLETED"
    tags = _tags(service)
    assert (tags["ci-ecs:version"], tags["ci-ecs:rolled-back-from"], tags["ci-ecs:previous-version"]) == (
        "v2",
        "v3",
        "v3",
    )
    assert "rollback success: v2" in run.stdout
    status = cli("status")
    assert "live version   v2" in status.stdout
    assert "rolled back    from v3" in status.stdout


def test_rollback_twice_in_a_row_changes_nothing_the_second_time(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2", "v3")
    assert cli("rollback").code == 0
    first = _service(sandbox, sample)

    again = cli("rollback")

    assert again.code == 0, again.output
    assert "nothing to roll back" in again.stdout
    assert "rollback success: v2 on web by rolling (already on v2: nothing was rolled back)" in again.stdout
    assert "rollback: nothing was rolled back, web was already on v2" in again.stdout
    assert "rollback succeeded" not in again.stdout and "previous version:" not in again.stdout
    second = _service(sandbox, sample)
    assert [d["id"] for d in second["deployments"]] == [d["id"] for d in first["deployments"]]
    stable = (
        "ci-ecs:version",
        "ci-ecs:task-definition",
        "ci-ecs:rolled-back-from",
        "ci-ecs:previous-version",
    )
    assert {k: _tags(second)[k] for k in stable} == {k: _tags(first)[k] for k in stable}


def test_rollback_to_a_version_ci_ecs_deployed_reuses_its_revision(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2", "v3", "v2-slow")
    ecs = client(sandbox, "ecs")
    revisions = ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"]

    run = cli("rollback", "--to", "v2")

    assert run.code == 0, run.output
    assert ecs.list_task_definitions(familyPrefix=sample.task_family)["taskDefinitionArns"] == revisions
    service = _service(sandbox, sample)
    assert _live_image(sandbox, service) == f"{sample.repository}@{sample.images['v2']}"
    assert _tags(service)["ci-ecs:version"] == "v2"


def test_rollback_to_a_version_never_deployed_by_ci_ecs_uses_the_image_tag(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2")

    run = cli("rollback", "--to", "v3")

    assert run.code == 0, run.output
    assert "registered" in run.stdout
    service = _service(sandbox, sample)
    assert _live_image(sandbox, service) == f"{sample.repository}@{sample.images['v3']}"
    assert _tags(service)["ci-ecs:rolled-back-from"] == "v2"


def test_nothing_to_roll_back_to_is_exit_3_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    before = _service(sandbox, sample)

    run = cli("rollback")

    assert run.code == 3, run.output
    assert "nothing to roll back to" in run.stderr
    after = _service(sandbox, sample)
    assert after["taskDefinition"] == before["taskDefinition"]
    assert _tags(after) == _tags(before)


def test_rollback_to_an_unknown_version_is_exit_3_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2")
    before = _service(sandbox, sample)
    revisions = client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"]

    run = cli("rollback", "--to", "v9")

    assert run.code == 3, run.output
    assert "v9" in run.stderr
    assert _service(sandbox, sample)["deployments"] == before["deployments"]
    assert client(sandbox, "ecs").list_task_definitions()["taskDefinitionArns"] == revisions


def test_deploy_after_a_rollback_clears_the_rollback_marker(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _deploy(cli, sample, "v2", "v3")
    assert cli("rollback").code == 0

    _deploy(cli, sample, "v3")

    tags = _tags(_service(sandbox, sample))
    assert tags["ci-ecs:version"] == "v3"
    assert tags["ci-ecs:previous-version"] == "v2"
    assert "ci-ecs:rolled-back-from" not in tags
