"""A job's locks, one per service, taken, extended and released together (each in one transaction)."""

from __future__ import annotations

import io
import os
import socket
import time
from collections.abc import Iterator

import pytest
from moto import mock_aws

from ci_ecs import lock
from ci_ecs.aws import dynamodb
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.settings.techniques import LockSettings

TABLE = "ci-ecs-locks"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield Aws("us-east-1")


def _services(*names: str, wait: float | None = None) -> list[Settings]:
    return [Settings(cluster="demo", service=n, lock=LockSettings(table=TABLE, wait=wait)) for n in names]


def _holders(aws: Aws) -> dict[str, str]:
    """Each lock item's key → its holder."""
    items = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    return {i["lock"]["S"]: i["holder"]["S"] for i in items}


def _calls(aws: Aws) -> list[str]:
    """Every DynamoDB operation the gateway's client sends from now on."""
    sent: list[str] = []
    aws.client("dynamodb").meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: sent.append(model.name)
    )
    return sent


def _take(
    aws: Aws, who: str, *names: str, wait: float | None = None, host: str = "", pid: int = 0
) -> lock.Holder:
    several = _services(*names, wait=wait)
    mine = lock.this_job(several, "deploy", who)
    if host:
        mine = lock.Holder(mine.who, mine.command, mine.acquired_at, mine.expires_at, mine.token, host, pid)
    lock.acquire(aws, several, mine, Console(out=io.StringIO(), err=io.StringIO()))
    return mine


@pytest.mark.parametrize("names", [("web",), ("web", "worker", "scheduler")])
def test_a_jobs_locks_are_taken_in_one_call_and_released_in_one_whatever_the_number(
    aws: Aws, names: tuple[str, ...]
) -> None:
    first = _take(aws, "job 0", "other")  # the table made beforehand: its creation is counted elsewhere
    lock.release(aws, lock.slots_of(_services("other")), first, Console(out=io.StringIO()))
    sent = _calls(aws)

    mine = _take(aws, "job 1", *names)
    taken = list(sent)
    assert _holders(aws) == {f"demo/{n}": "job 1" for n in names}
    lock.release(aws, lock.slots_of(_services(*names)), mine, Console(out=io.StringIO()))

    assert taken == ["TransactWriteItems"]
    assert [c for c in sent if c != "Scan"] == ["TransactWriteItems", "TransactWriteItems"]
    assert _holders(aws) == {}


def test_a_job_one_of_whose_services_is_locked_takes_none_and_names_that_services_holder(aws: Aws) -> None:
    _take(aws, "job A", "worker")

    with pytest.raises(PreconditionError, match="lock: demo/worker is held by the deploy of job A"):
        _take(aws, "job B", "web", "worker", "scheduler")

    assert _holders(aws) == {"demo/worker": "job A"}


def test_two_jobs_on_overlapping_services_never_both_proceed(aws: Aws) -> None:
    _take(aws, "job A", "web", "worker")

    with pytest.raises(PreconditionError, match="demo/worker is held by the deploy of job A"):
        _take(aws, "job B", "worker", "scheduler")
    _take(aws, "job C", "scheduler")  # a service no job holds is free

    assert _holders(aws) == {"demo/web": "job A", "demo/worker": "job A", "demo/scheduler": "job C"}


def test_an_expired_lock_among_several_is_taken_over_with_the_others(aws: Aws) -> None:
    _take(aws, "job A", "worker")
    item = {"lock": {"S": "demo/worker"}}
    aws.client("dynamodb").update_item(
        TableName=TABLE,
        Key=item,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(time.time() - 1)}},
    )

    _take(aws, "job B", "web", "worker")

    assert _holders(aws) == {"demo/web": "job B", "demo/worker": "job B"}


def test_the_lock_of_a_process_of_this_host_that_is_gone_is_taken_over_with_the_others(aws: Aws) -> None:
    gone = os.fork()
    if gone == 0:
        os._exit(0)
    os.waitpid(gone, 0)
    _take(aws, "job A", "worker", host=socket.gethostname(), pid=gone)

    _take(aws, "job B", "web", "worker")

    assert _holders(aws) == {"demo/web": "job B", "demo/worker": "job B"}


def test_a_transaction_sent_again_after_its_reply_was_lost_finds_its_own_items_and_holds_them(
    aws: Aws,
) -> None:
    mine = _take(aws, "job A", "web", "worker")
    values: dict[str, str | float] = {"holder": "job A", "token": mine.token, "expires_at": time.time() + 60}

    assert dynamodb.put_all(aws, lock.slots_of(_services("web", "worker")), values) == []


def test_a_release_gives_back_the_locks_still_ours_and_warns_of_one_broken_meanwhile(aws: Aws) -> None:
    mine = _take(aws, "job A", "web", "worker")
    aws.client("dynamodb").delete_item(TableName=TABLE, Key={"lock": {"S": "demo/web"}})  # `ci-ecs unlock`
    _take(aws, "job B", "web")
    err = io.StringIO()

    lock.release(aws, lock.slots_of(_services("web", "worker")), mine, Console(out=err, err=err))

    assert _holders(aws) == {"demo/web": "job B"}
    assert "lock demo/web: no longer ours when released" in err.getvalue()
    assert "demo/worker" not in err.getvalue()


def test_extending_moves_the_expiry_of_the_locks_still_ours_and_names_the_one_taken_over(aws: Aws) -> None:
    mine = _take(aws, "job A", "web", "worker")
    aws.client("dynamodb").delete_item(TableName=TABLE, Key={"lock": {"S": "demo/web"}})
    until = time.time() + 3600

    lost = dynamodb.extend_all(aws, lock.slots_of(_services("web", "worker")), mine.token, until)

    assert [slot.key for slot in lost] == ["demo/web"]
    item = aws.client("dynamodb").get_item(TableName=TABLE, Key={"lock": {"S": "demo/worker"}})["Item"]
    assert float(item["expires_at"]["N"]) == pytest.approx(until)


def test_more_services_than_one_transaction_holds_exit_2_before_any_call(aws: Aws) -> None:
    sent = _calls(aws)
    names = [f"s{n}" for n in range(dynamodb.MOST + 1)]

    with pytest.raises(ConfigError, match="services: 101 services in one job, at most 100"):
        _take(aws, "job A", *names)

    assert sent == []


def test_the_same_service_in_another_region_or_account_has_a_lock_of_its_own_and_here_the_key_is_unchanged(
    aws: Aws,
) -> None:
    table = LockSettings(table=TABLE)
    here = Settings(cluster="demo", service="web", region="us-east-1", lock=table)
    west = Settings(cluster="demo", service="web", region="us-west-2", lock=table)
    other = Settings(
        cluster="demo", service="web", role_arn="arn:aws:iam::210987654321:role/deployer", lock=table
    )
    mine = lock.this_job([here, west, other], "deploy", "job 1")

    lock.acquire(aws, [here, west, other], mine, Console(out=io.StringIO(), err=io.StringIO()))

    assert _holders(aws) == {
        "demo/web": "job 1",  # as before: an older job's lock on it is still respected
        "demo/web@us-west-2": "job 1",
        "demo/web@us-east-1/210987654321": "job 1",
    }
    lock.release(aws, lock.slots_of([here, west, other], aws), mine, Console(out=io.StringIO()))
    assert _holders(aws) == {}
