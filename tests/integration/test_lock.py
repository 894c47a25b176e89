"""One job at a time per service: the lock in DynamoDB, its holder, waiting for it, breaking it, races."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import CONFIG, SERVICES
from tests.integration.helpers import ci_ecs_executable, clean_env, client

TABLE = "ci-ecs-locks"
KEY = "demo/web"
HOLDER = "https://gitlab.example.com/shop/web/-/jobs/4711"


def _live(sandbox: sandboxes.Sandbox) -> tuple[str, dict[str, str]]:
    """(the task definition the service runs, its ci-ecs tags)."""
    found = client(sandbox, "ecs").describe_services(cluster="demo", services=["web"], include=["TAGS"])
    service = found["services"][0]
    return service["taskDefinition"], {t["key"]: t["value"] for t in service.get("tags", [])}


def _lock_item(sandbox: sandboxes.Sandbox) -> dict[str, Any] | None:
    dynamodb = client(sandbox, "dynamodb")
    try:
        found: dict[str, Any] | None = dynamodb.get_item(TableName=TABLE, Key={"lock": {"S": KEY}}).get(
            "Item"
        )
    except dynamodb.exceptions.ResourceNotFoundException:
        return None
    return found


def _hold(sandbox: sandboxes.Sandbox, expires_in: float, token: str = "theirs", key: str = KEY) -> None:
    """Another job's lock on `key` (the table made first, as ci-ecs makes it)."""
    dynamodb = client(sandbox, "dynamodb")
    if TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "lock", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "lock", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    now = time.time()
    item = {
        "lock": key,
        "holder": HOLDER,
        "command": "deploy",
        "token": token,
        "host": "runner-7",
        "pid": "1",
    }
    dynamodb.put_item(
        TableName=TABLE,
        Item={
            **{k: {"S": v} for k, v in item.items()},
            "acquired_at": {"N": str(now - 60)},
            "expires_at": {"N": str(now + expires_in)},
        },
    )


def test_a_job_on_a_locked_service_exits_3_naming_the_holder_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _hold(sandbox, expires_in=600)
    before = _live(sandbox)

    run = cli("deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert f"lock: {KEY} is held by the deploy of {HOLDER}" in run.output
    assert "--wait-for-lock" in run.output and "ci-ecs unlock" in run.output
    assert len(run.stderr.strip().splitlines()) == 1
    assert _live(sandbox) == before
    assert _lock_item(sandbox) is not None  # theirs, untouched


def test_a_job_waits_for_the_lock_with_wait_for_lock_then_deploys(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _hold(sandbox, expires_in=600)
    args = [ci_ecs_executable(), "deploy", "--image", f"{sample.repository}:v2", "--wait-for-lock", "2m"]
    job = subprocess.Popen(
        args, env=clean_env(sandbox), cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert job.stdout is not None
    said = ""
    for line in job.stdout:  # the holder goes away once the job says it waits, not after a guessed time
        said += line
        if "waiting up to 2m" in line:
            client(sandbox, "dynamodb").delete_item(TableName=TABLE, Key={"lock": {"S": KEY}})
            break
    said += job.stdout.read()

    assert job.wait(timeout=300) == 0, said
    assert f"waiting up to 2m for the deploy of {HOLDER}" in said
    assert _live(sandbox)[1]["ci-ecs:version"] == "v2"
    assert _lock_item(sandbox) is None


def test_an_expired_lock_is_taken_over(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _hold(sandbox, expires_in=-1)

    run = cli("deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    assert _lock_item(sandbox) is None


def test_unlock_breaks_the_lock_and_says_whose_it_was(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    _hold(sandbox, expires_in=600)

    broken = cli("unlock")
    again = cli("unlock")

    assert broken.code == 0, broken.output
    assert f"removed the lock on {KEY}: it was held by the deploy of {HOLDER}" in broken.output
    assert again.code == 0 and f"no lock on {KEY}" in again.output
    assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0


@pytest.mark.parametrize("image", ["v2", "v2-crash"])
def test_the_lock_is_released_whether_the_job_succeeds_or_fails(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, image: str
) -> None:
    run = cli("deploy", "--image", f"{sample.repository}:{image}")

    assert run.code == (0 if image == "v2" else 1), run.output
    assert _lock_item(sandbox) is None


def _locks(sandbox: sandboxes.Sandbox) -> dict[str, str]:
    """Each lock item's key → its holder."""
    items = client(sandbox, "dynamodb").scan(TableName=TABLE)["Items"]
    return {i["lock"]["S"]: i["holder"]["S"] for i in items}


def test_a_services_job_one_of_whose_services_is_locked_takes_no_lock_and_names_that_services_holder(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample
) -> None:
    worker = f"{sample.cluster}/shop-worker"
    _hold(sandbox, expires_in=600, key=worker)
    before = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=list(SERVICES))

    run = cli("--config", CONFIG, "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert f"lock: {worker} is held by the deploy of {HOLDER}" in run.output
    assert _locks(sandbox) == {worker: HOLDER}  # theirs only: not the two free services'
    after = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=list(SERVICES))
    assert [s["taskDefinition"] for s in after["services"]] == [
        s["taskDefinition"] for s in before["services"]
    ]


def test_a_services_job_waits_for_the_one_lock_held_then_deploys_all_and_releases_every_lock(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    worker = f"{sample.cluster}/shop-worker"
    _hold(sandbox, expires_in=600, key=worker)
    args = [ci_ecs_executable(), "--config", CONFIG, "deploy", "--image", f"{sample.repository}:v2"]
    job = subprocess.Popen(
        [*args, "--wait-for-lock", "2m"],
        env=clean_env(sandbox),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert job.stdout is not None
    said = ""
    for line in job.stdout:
        said += line
        if "waiting up to 2m" in line:
            assert _locks(sandbox) == {worker: HOLDER}  # waiting, it holds none of the others
            client(sandbox, "dynamodb").delete_item(TableName=TABLE, Key={"lock": {"S": worker}})
            break
    said += job.stdout.read()

    assert job.wait(timeout=300) == 0, said
    assert f"waiting up to 2m for the deploy of {HOLDER}" in said and f"(lock {worker})" in said
    assert _locks(sandbox) == {}


def test_of_two_jobs_on_overlapping_services_started_together_one_deploys_and_the_other_takes_no_lock(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    whole = (workdir / CONFIG).read_text()
    for left_out, name in (("shop-scheduler", "a.yml"), ("shop-web", "b.yml")):  # both have shop-worker
        entry = f"  - service: {left_out}\n    container: {SERVICES[left_out][0]}\n"
        assert entry in whole
        (workdir / name).write_text(whole.replace(entry, ""))
    # v3-slow starts slowly: whichever job won is still running when the other tries.
    jobs = [
        _start(sandbox, workdir, "--config", name, "deploy", "--image", f"{sample.repository}:v3-slow")
        for name in ("a.yml", "b.yml")
    ]
    outcomes = [job.wait(timeout=300) for job in jobs]

    assert sorted(outcomes) == [0, 3], [job.communicate() for job in jobs]
    loser = jobs[outcomes.index(3)]
    assert f"{sample.cluster}/shop-worker is held by" in loser.communicate()[1]
    assert _locks(sandbox) == {}


def test_a_dry_run_takes_no_lock(cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> None:
    _hold(sandbox, expires_in=600)

    run = cli("--dry-run", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output


def _start(sandbox: sandboxes.Sandbox, workdir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ci_ecs_executable(), *args],
        env=clean_env(sandbox),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# 20 races: two real processes on one service, started together or staggered by up to 1.5 s.
RACES = [
    (kind, stagger)
    for kind in ("deploy", "rollback")
    for stagger in (0, 0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.2, 1.5)
]


@pytest.mark.parametrize(("second", "stagger"), RACES)
def test_of_two_overlapping_jobs_exactly_one_changes_the_service_and_the_tags_agree_with_it(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, second: str, stagger: float
) -> None:
    if second == "rollback":
        assert cli("deploy", "--image", f"{sample.repository}:v2").code == 0  # something to roll back
    before = _live(sandbox)
    # v3-slow starts slowly: the first job is still running when the second starts.
    first = _start(sandbox, workdir, "deploy", "--image", f"{sample.repository}:v3-slow")
    time.sleep(stagger)
    other = _start(
        sandbox,
        workdir,
        *(("rollback",) if second == "rollback" else ("deploy", "--image", f"{sample.repository}:v2")),
    )
    outcomes = sorted(process.wait(timeout=300) for process in (first, other))
    sandbox.wait_idle()

    assert outcomes == [0, 3], [p.communicate() for p in (first, other)]
    loser = first if first.returncode == 3 else other
    assert "is held by" in loser.communicate()[1]
    task_definition, tags = _live(sandbox)
    assert task_definition != before[0]
    assert tags["ci-ecs:task-definition"] == task_definition
    found = client(sandbox, "ecs").describe_task_definition(taskDefinition=task_definition, include=["TAGS"])
    recorded = {t["key"]: t["value"] for t in found.get("tags", [])}.get("ci-ecs:version")
    image = found["taskDefinition"]["containerDefinitions"][0]["image"]  # the seeded v1: by tag, untagged
    assert tags["ci-ecs:version"] == (recorded or image.rsplit(":", 1)[-1])
    assert _lock_item(sandbox) is None


def test_an_undo_leaves_alone_what_someone_else_deployed_meanwhile(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    ecs = client(sandbox, "ecs")
    job = _start(sandbox, workdir, "deploy", "--image", f"{sample.repository}:v2-slow")
    deadline = time.monotonic() + 60
    while _live(sandbox)[0].endswith("web:1"):  # until the job has moved the service to its revision
        assert time.monotonic() < deadline, "the job never updated the service"
        time.sleep(0.05)
    # Someone bypasses ci-ecs (a person at the console): the service goes to their own revision.
    theirs = ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    keys = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory")
    registered = ecs.register_task_definition(**{k: theirs[k] for k in keys if k in theirs})
    their_revision = registered["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="demo", service="web", taskDefinition=their_revision)

    code = job.wait(timeout=300)
    out, err = job.communicate()

    assert code == 1, out + err
    assert "left as it is: the service now runs" in out
    assert _live(sandbox)[0] == their_revision  # not put back on web:1 over their change
