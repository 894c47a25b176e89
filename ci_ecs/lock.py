"""One job at a time per service: a lock kept in DynamoDB — atomic, naming its holder, expiring, refreshed;
a job's services' locks taken, refreshed and released together, each time in one transaction."""

from __future__ import annotations

import getpass
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ci_ecs import checks
from ci_ecs.aws import dynamodb
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import AwsError, Cancelled, ConfigError, PreconditionError
from ci_ecs.output import Console
from ci_ecs.settings import Settings, WaitSettings
from ci_ecs.settings.services import account

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


def key_of(settings: Settings, job: Aws | None = None) -> str:
    """The lock's name: the service in its cluster; a service outside the job's region or account (`job`:
    the job's gateway, where the lock table is) with its region, and its account when another role reaches it.
    """
    key = f"{settings.cluster.rsplit('/', 1)[-1]}/{settings.service}"
    if job is None or job.elsewhere(settings.region, settings.role_arn) is job:
        return key  # as it has always been: a running older job's lock is still respected
    key += f"@{settings.region or job.region or 'default'}"
    if settings.role_arn == job.role_arn:
        return key
    return f"{key}/{account(settings.role_arn) or settings.role_arn or 'default'}"


def holder_name(env: Mapping[str, str]) -> str:
    """Who this job is, as another job will be told: its CI job's page, else user@host and process."""
    if env.get("CI_JOB_URL"):
        return str(env["CI_JOB_URL"])
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        job = f" (job {env['GITHUB_JOB']})" if env.get("GITHUB_JOB") else ""
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}{job}"
    return f"{getpass.getuser()}@{socket.gethostname()} (process {os.getpid()})"


def _lease(several: Sequence[Settings]) -> float:
    return max(s.wait.timeout for s in several) + MARGIN


def slots_of(several: Sequence[Settings], job: Aws | None = None) -> list[dynamodb.Slot]:
    """The lock items of the services, each once, in one order (by table, then key; `job`: see key_of)."""
    slots = {dynamodb.Slot(s.lock.table, key_of(s, job)) for s in several}
    return sorted(slots, key=lambda s: (s.table, s.key))


def this_job(several: Sequence[Settings], command: str, who: str) -> Holder:
    """The holder this job will be: a fresh token, this host and process."""
    now = time.time()
    return Holder(
        who, command, now, now + _lease(several), uuid.uuid4().hex, socket.gethostname(), os.getpid()
    )


def acquire(aws: Aws, several: Sequence[Settings], mine: Holder, console: Console) -> None:
    """Take every service's lock for `mine`, all or none (making the tables first if needed), waiting up
    to `lock.wait`.

    PreconditionError naming a service's holder when another job holds its lock.
    """
    slots = slots_of(several, aws)
    if len(slots) > dynamodb.MOST:
        raise ConfigError(
            f"services: {len(slots)} services in one job, at most {dynamodb.MOST} (their locks are taken "
            "together, in one DynamoDB transaction) — split them into several jobs"
        )

    def attempt() -> tuple[str, Holder] | None:
        values: dict[str, str | float] = {
            "holder": mine.who,
            "command": mine.command,
            "acquired_at": time.time(),
            "expires_at": time.time() + _lease(several),
            "token": mine.token,
            "host": mine.host,
            "pid": mine.pid,
        }
        gone: dict[dynamodb.Slot, Holder] = {}
        for _ in range(3):  # once more over the holders found gone, or past another transaction's conflict
            blocked = dynamodb.put_all(aws, slots, values, {slot: g.token for slot, g in gone.items()})
            if not blocked:
                for slot, other in gone.items():
                    console.line(f"    took over the lock {slot.key} of {other.text()}: that process is gone")
                return None
            holders = [(b.slot, Holder.of(b.item)) for b in blocked if b.item is not None]
            alive = [(slot.key, other) for slot, other in holders if not other.is_gone()]
            if alive:
                return alive[0]
            gone.update(holders)
        return blocked[0].slot.key, Holder.of(blocked[0].item or {})

    found = _first_attempt(aws, slots, attempt, console)
    if found is None:
        return
    wait = max(s.lock.wait or 0.0 for s in several)
    if not wait:
        raise held(*found)
    console.line(f"    waiting up to {checks.format_duration(wait)} for {_whose(*found, len(slots))}")
    last: list[tuple[str, Holder]] = [found]

    def probe() -> bool | None:
        now_held = attempt()
        if now_held is not None:
            last[0] = now_held
            console.progress(f"lock {now_held[0]}: held by {now_held[1].text()}")
        return True if now_held is None else None

    if checks.poll(WAIT_POLLS, probe, timeout=wait) is None:
        raise held(*last[0], waited=wait)


def _whose(key: str, other: Holder, locks: int) -> str:
    """The holder; among several locks, with the one it holds."""
    return f"{other.text()} (lock {key})" if locks > 1 else other.text()


def _first_attempt(
    aws: Aws,
    slots: Sequence[dynamodb.Slot],
    attempt: Callable[[], tuple[str, Holder] | None],
    console: Console,
) -> tuple[str, Holder] | None:
    """The first try; when a table is missing, the tables are made, waited for, and tried again."""
    try:
        return attempt()
    except AwsError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
    tables = sorted({slot.table for slot in slots})
    for table in tables:  # one that exists already is left as it is
        dynamodb.create_table(aws, table)
        console.detail(f"lock: created DynamoDB table {table} for the jobs' locks")

    def active() -> bool | None:
        return True if all(dynamodb.table_status(aws, t) == "ACTIVE" for t in tables) else None

    if checks.poll(WAIT_POLLS, active) is None:
        raise PreconditionError(f"lock.table: DynamoDB table {', '.join(tables)} did not become ACTIVE")
    return attempt()


def held(key: str, other: Holder, waited: float = 0.0) -> PreconditionError:
    """The error of a job that found another job's lock on its service."""
    after = f" after waiting {checks.format_duration(waited)}" if waited else ""
    return PreconditionError(
        f"lock: {key} is held by {other.text()}{after} — let that job finish, wait for it with "
        "--wait-for-lock DURATION, or run `ci-ecs unlock` if you know it is gone"
    )


def release(
    aws: Aws, slots: Sequence[dynamodb.Slot], mine: Holder, console: Console, *, quiet: bool = False
) -> None:
    """Give the locks back (one transaction); a lock someone else took over in between is theirs and stays."""
    for slot in dynamodb.delete_all(aws, slots, mine.token):
        if not quiet:
            console.warn(f"lock {slot.key}: no longer ours when released (broken with `ci-ecs unlock`?)")


@contextmanager
def held_by_this_job(
    aws: Aws, several: Sequence[Settings], command: str, env: Mapping[str, str], console: Console
) -> Iterator[Holder]:
    """The services' locks for the whole job: taken together, extended together by a thread of their own,
    released together on every way out."""
    mine, slots = this_job(several, command, holder_name(env)), slots_of(several, aws)
    try:
        acquire(aws, several, mine, console)
    except Cancelled:
        release(aws, slots, mine, console, quiet=True)  # the transaction may have gone through just before
        raise
    stop = threading.Event()

    def extend() -> None:
        # Refresh well before expiry: a job waits at most its timeout between two steps.
        ours = list(slots)
        while ours and not stop.wait(_lease(several) / 4):
            until = time.time() + _lease(several)
            try:
                lost = dynamodb.extend_all(aws, ours, mine.token, until)
            except Exception as exc:  # a missed refresh is not fatal: the lease still runs a while
                console.warn(f"lock {', '.join(s.key for s in ours)}: could not extend it: {exc}")
                continue
            for slot in lost:
                console.warn(f"lock {slot.key}: taken over by another job")
            ours = [slot for slot in ours if slot not in lost]

    refresher = threading.Thread(target=extend, name="ci-ecs-lock", daemon=True)
    refresher.start()
    try:
        yield mine
    finally:
        stop.set()
        refresher.join(timeout=5)
        release(aws, slots, mine, console)


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
