"""One job at a time per service: a lock kept in DynamoDB — atomic, naming its holder, expiring, refreshed."""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from ci_ecs import checks
from ci_ecs.aws import dynamodb
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import AwsError, Cancelled, PreconditionError
from ci_ecs.output import Console
from ci_ecs.settings import Settings, WaitSettings

MARGIN = 300.0  # seconds a lock outlives the job's own timeout, so a job never loses it while it waits
WAIT_POLLS = WaitSettings(poll_first=2.0, poll_cap=10.0)


@dataclass(frozen=True)
class Holder:
    """Who holds a service's lock, for what, since when and until when (epoch seconds), on which host."""

    who: str
    command: str
    acquired_at: float
    expires_at: float
    token: str
    host: str = ""
    pid: int = 0

    @classmethod
    def of(cls, item: Mapping[str, str]) -> Holder:
        """The holder a lock item names."""
        return cls(
            item.get("holder", "?"),
            item.get("command", "?"),
            float(item.get("acquired_at") or 0),
            float(item.get("expires_at") or 0),
            item.get("token", ""),
            item.get("host", ""),
            int(float(item.get("pid") or 0)),
        )

    def is_gone(self) -> bool:
        """Whether the holder was a process of this host that no longer runs (killed): its lock is stale."""
        if self.host != socket.gethostname() or self.pid <= 0 or self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # another user's process: alive
            return False
        return False

    def text(self) -> str:
        """`the deploy of <who>, since 10:57:35 UTC (expires 11:17:35 UTC)`."""
        since, until = (
            time.strftime("%H:%M:%S UTC", time.gmtime(t)) for t in (self.acquired_at, self.expires_at)
        )
        return f"the {self.command} of {self.who}, since {since} (expires {until})"


def key_of(settings: Settings) -> str:
    """The lock's name: the service in its cluster."""
    return f"{settings.cluster.rsplit('/', 1)[-1]}/{settings.service}"


def holder_name(env: Mapping[str, str]) -> str:
    """Who this job is, as another job will be told: its CI job's page, else user@host and process."""
    if env.get("CI_JOB_URL"):
        return str(env["CI_JOB_URL"])
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        job = f" (job {env['GITHUB_JOB']})" if env.get("GITHUB_JOB") else ""
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}{job}"
    return f"{getpass.getuser()}@{socket.gethostname()} (process {os.getpid()})"


def _lease(settings: Settings) -> float:
    return settings.wait.timeout + MARGIN


def this_job(settings: Settings, command: str, who: str) -> Holder:
    """The holder this job will be: a fresh token, this host and process."""
    now = time.time()
    return Holder(
        who, command, now, now + _lease(settings), uuid.uuid4().hex, socket.gethostname(), os.getpid()
    )


def acquire(aws: Aws, settings: Settings, mine: Holder, console: Console) -> None:
    """Take the service's lock for `mine` (making the table first if needed), waiting up to `lock.wait`.

    PreconditionError naming the holder when another job holds it.
    """
    table, key = settings.lock.table, key_of(settings)

    def attempt() -> Holder | None:
        values: dict[str, str | float] = {
            dynamodb.KEY: key,
            "holder": mine.who,
            "command": mine.command,
            "acquired_at": time.time(),
            "expires_at": time.time() + _lease(settings),
            "token": mine.token,
            "host": mine.host,
            "pid": mine.pid,
        }
        if dynamodb.put_if_free(aws, table, values):
            return None
        found = dynamodb.read(aws, table, key)
        if not found:
            return attempt()  # released in between: try again
        other = Holder.of(found)
        if other.is_gone() and dynamodb.put_if_free(aws, table, values, replacing=other.token):
            console.line(f"    took over the lock of {other.text()}: that process is gone")
            return None
        return other

    other = _first_attempt(aws, table, attempt, console)
    if other is None:
        return
    wait = settings.lock.wait
    if not wait:
        raise held(key, other)
    console.line(f"    waiting up to {checks.format_duration(wait)} for {other.text()}")
    last: list[Holder] = [other]

    def probe() -> bool | None:
        found = attempt()
        if found is not None:
            last[0] = found
            console.progress(f"lock {key}: held by {found.text()}")
        return True if found is None else None

    if checks.poll(WAIT_POLLS, probe, timeout=wait) is None:
        raise held(key, last[0], waited=wait)


def _first_attempt(
    aws: Aws, table: str, attempt: Callable[[], Holder | None], console: Console
) -> Holder | None:
    """The first try; when the table is missing, it is made (on demand), waited for, and tried again."""
    try:
        return attempt()
    except AwsError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
    dynamodb.create_table(aws, table)
    console.detail(f"lock: created DynamoDB table {table} for the jobs' locks")
    active = checks.poll(WAIT_POLLS, lambda: True if dynamodb.table_status(aws, table) == "ACTIVE" else None)
    if active is None:
        raise PreconditionError(f"lock.table: DynamoDB table {table} did not become ACTIVE")
    return attempt()


def held(key: str, other: Holder, waited: float = 0.0) -> PreconditionError:
    """The error of a job that found another job's lock on its service."""
    after = f" after waiting {checks.format_duration(waited)}" if waited else ""
    return PreconditionError(
        f"lock: {key} is held by {other.text()}{after} — let that job finish, wait for it with "
        "--wait-for-lock DURATION, or run `ci-ecs unlock` if you know it is gone"
    )


def release(aws: Aws, settings: Settings, mine: Holder, console: Console, *, quiet: bool = False) -> None:
    """Give the lock back; a lock someone else took over in between is theirs and stays."""
    if not dynamodb.delete(aws, settings.lock.table, key_of(settings), mine.token) and not quiet:
        console.warn(f"lock {key_of(settings)}: no longer ours when released (broken with `ci-ecs unlock`?)")


@contextmanager
def held_by_this_job(
    aws: Aws, settings: Settings, command: str, env: Mapping[str, str], console: Console
) -> Iterator[Holder]:
    """The service's lock for the whole job, extended by a thread of its own, released on every way out."""
    mine = this_job(settings, command, holder_name(env))
    try:
        acquire(aws, settings, mine, console)
    except Cancelled:
        release(aws, settings, mine, console, quiet=True)  # the put may have gone through just before
        raise
    stop = threading.Event()

    def extend() -> None:
        # Refresh well before expiry: a job waits at most its timeout between two steps.
        while not stop.wait(_lease(settings) / 4):
            until = time.time() + _lease(settings)
            try:
                if not dynamodb.extend(aws, settings.lock.table, key_of(settings), mine.token, until):
                    console.warn(f"lock {key_of(settings)}: taken over by another job")
                    return
            except Exception as exc:  # a missed refresh is not fatal: the lease still runs a while
                console.warn(f"lock {key_of(settings)}: could not extend it: {exc}")

    refresher = threading.Thread(target=extend, name="ci-ecs-lock", daemon=True)
    refresher.start()
    try:
        yield mine
    finally:
        stop.set()
        refresher.join(timeout=5)
        release(aws, settings, mine, console)


def unlock(aws: Aws, settings: Settings, console: Console) -> str:
    """Break the service's lock, whoever holds it (for a person who knows its job is gone)."""
    table, key = settings.lock.table, key_of(settings)
    if dynamodb.table_status(aws, table) is None:
        return f"no lock on {key}: table {table} does not exist"
    found = dynamodb.read(aws, table, key)
    if found is None:
        return f"no lock on {key}"
    other = Holder.of(found)
    if not dynamodb.delete(aws, table, key, other.token):
        return f"the lock on {key} changed hands while breaking it: run `ci-ecs unlock` again to see whose"
    return f"removed the lock on {key}: it was held by {other.text()}"
