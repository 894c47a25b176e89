"""CloudWatch Logs calls: the last lines of a container's log stream."""

from __future__ import annotations

from ci_ecs.aws.clients import Aws, call


def last_lines(aws: Aws, region: str | None, group: str, stream: str, count: int) -> list[str]:
    """The last `count` lines of a log stream, oldest first (AwsError when it cannot be read)."""
    logs = aws.client("logs", region)
    reply = call(
        f"reading the log stream {stream} of {group}",
        logs.get_log_events,
        logGroupName=group,
        logStreamName=stream,
        limit=count,
        startFromHead=False,
    )
    return [str(event.get("message", "")).rstrip("\n") for event in reply.get("events", [])]


def group_exists(aws: Aws, region: str | None, group: str) -> bool:
    """Whether the log group exists (in `region`, else the gateway's)."""
    logs = aws.client("logs", region)
    reply = call(f"looking up the log group {group}", logs.describe_log_groups, logGroupNamePrefix=group)
    return any(found.get("logGroupName") == group for found in reply.get("logGroups", []))
