"""Container logs: each container with the awslogs driver writes to CloudWatch Logs, as its app would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ci_ecs.redaction import looks_secret


@dataclass(frozen=True)
class Stream:
    """Where one container of a task writes: `prefix/container/task-id` in its log group."""

    account: str
    region: str
    group: str
    name: str
    container: str
    secret: str | None  # a secret-looking environment value the app lets slip when it crashes


def streams_of(task: Any, task_definition: Any) -> list[Stream]:
    """The awslogs streams of a task's containers (ECS names them from the stream prefix)."""
    task_id = str(task.task_arn).rsplit("/", 1)[-1]
    found = []
    for container in task_definition.container_definitions:
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        if config.get("logDriver") != "awslogs" or not options.get("awslogs-group"):
            continue
        prefix = options.get("awslogs-stream-prefix")
        name = f"{prefix}/{container['name']}/{task_id}" if prefix else task_id
        secret = next(
            (
                str(v["value"])
                for v in container.get("environment") or []
                if looks_secret(str(v.get("name", "")), str(v.get("value", "")))
            ),
            None,
        )
        region = options.get("awslogs-region") or task.region_name
        found.append(
            Stream(task._account_id, region, options["awslogs-group"], name, container["name"], secret)
        )
    return found


def started(streams: list[Stream], version: str, port: int | None, *, listens: bool = True) -> None:
    """Start-up lines in a stream created now, if its group exists (`listens=False`: dies starting up)."""
    lines = [
        f"INFO starting web {version or 'app'} (pid 1)",
        "INFO loading configuration from the environment",
    ]
    for stream in streams:
        _write(stream, [*lines, f"INFO listening on 0.0.0.0:{port or 8080}"] if listens else lines)


def crashed(streams: list[Stream]) -> None:
    """The lines a crashing app leaves: a stack trace and its exit (code 1)."""
    for stream in streams:
        dsn = (
            f"postgresql://app:{stream.secret}@db.internal:5432/app" if stream.secret else "db.internal:5432"
        )
        _write(
            stream,
            [
                "INFO connecting to the database",
                "Traceback (most recent call last):",
                '  File "/app/web/main.py", line 42, in <module>',
                "    app = create_app()",
                '  File "/app/web/db.py", line 17, in connect',
                "    return pool.connect(timeout=5)",
                f"ConnectionRefusedError: [Errno 111] could not connect to {dsn}",
                "ERROR web exited with code 1",
            ],
        )


def write(streams: list[Stream], lines: list[str]) -> None:
    """These lines in each stream (created now if need be), if its group exists."""
    for stream in streams:
        _write(stream, lines)


def _write(stream: Stream, lines: list[str]) -> None:
    from moto.logs.models import logs_backends

    backend = logs_backends[stream.account][stream.region]
    if stream.group not in backend.groups:
        return  # AWS would not start the task (ResourceInitializationError); the sandbox runs it silent
    backend.ensure_log_stream(stream.group, stream.name)
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
    backend.put_log_events(stream.group, stream.name, events)
