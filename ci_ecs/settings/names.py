"""Converters for names as AWS takes them (ECS, regions, DynamoDB tables, CodeDeploy) and for URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ci_ecs.settings.values import Converter, bad, string

_ECS_NAME = re.compile(
    r"[A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:[a-z-]+/[A-Za-z0-9_/-]{1,512}"
)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_CODEDEPLOY_NAME = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII but the space
_ALARM_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,255}")  # CloudWatch: 1–255 characters, no control ones


def pattern(regex: re.Pattern[str], expected: str) -> Converter[str]:
    """A converter accepting text that matches `regex` whole; `expected` says what in words."""

    def convert(value: object, key: str, source: str) -> str:
        text = string(value, key, source)
        if not regex.fullmatch(text):
            raise bad(key, source, expected, value)
        return text

    return Converter(expected, convert)


ecs_name = pattern(_ECS_NAME, "a name of up to 255 letters, digits, hyphens and underscores, or its ARN")
region = pattern(_REGION, "an AWS region like `us-east-1`")
codedeploy_name = pattern(_CODEDEPLOY_NAME, "a name of 1–100 characters without spaces")
table_name = pattern(_TABLE, "a DynamoDB table name: 3–255 letters, digits, `_`, `-` or `.`")


def _url(value: object, key: str, source: str) -> str:
    text = string(value, key, source)
    parts = urlsplit(text)
    clean = not any(c.isspace() or not c.isprintable() for c in text)
    if parts.scheme not in ("http", "https") or not parts.hostname or not clean:
        raise bad(key, source, "an http:// or https:// URL with a host and no spaces", value)
    return text


url = Converter("an `http://` or `https://` URL", _url)


def _alarm_names(value: object, key: str, source: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise bad(key, source, "a CloudWatch alarm name or a list of names", value)
    names = tuple(i.strip() for i in items if i.strip())
    for name in names:
        if not _ALARM_NAME.fullmatch(name):
            raise bad(key, source, "alarm names of 1–255 characters", name)
    return names


alarm_names = Converter("CloudWatch alarm names: one, a list, or comma-separated", _alarm_names)
