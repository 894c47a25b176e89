"""The `review:` settings: a service, target group and listener rule per merge request."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ci_ecs.errors import ConfigError
from ci_ecs.settings.values import Converter, bad, string

SLUG = "{slug}"
# ELB host-header values: letters, digits, `-`, `.`, and the wildcards `*` and `?`; at most 128 characters.
_HOST = re.compile(r"[A-Za-z0-9*?.-]*\{slug\}[A-Za-z0-9*?.-]*")
# ELB path-pattern values: up to 128 characters, starting with `/`.
_PATH = re.compile(r"/[A-Za-z0-9_\-.$/~\"'@:+&*?]*\{slug\}[A-Za-z0-9_\-.$/~\"'@:+&*?]*")


@dataclass(frozen=True)
class ReviewSettings:
    """A review environment per merge request: where its rule goes, what it matches, how many may exist."""

    listener: str = ""  # the listener that gets each review environment's rule; "": not a review environment
    host: str = ""  # a host-header pattern with {slug}, e.g. {slug}.review.example.com
    path: str = ""  # or a path pattern with {slug}, e.g. /{slug}/*
    max: int = 10  # how many review environments of the service may exist at once

    @property
    def enabled(self) -> bool:
        """Whether this environment is a review environment."""
        return bool(self.listener)


def _pattern(regex: re.Pattern[str], expected: str) -> Converter[str]:
    def convert(value: object, key: str, source: str) -> str:
        text = string(value, key, source)
        if len(text.replace(SLUG, "")) > 100 or not regex.fullmatch(text):
            raise bad(key, source, expected, value)
        return text

    return Converter(expected, convert)


host = _pattern(_HOST, "a host name holding `{slug}`, like `{slug}.review.example.com`")
path = _pattern(_PATH, "a path pattern starting with `/` and holding `{slug}`, like `/{slug}/*`")


def check(settings: ReviewSettings, sources: Mapping[str, str]) -> None:
    """A review environment needs its listener and exactly one of a host or a path to match."""
    given = [key for key in ("review.host", "review.path") if sources[key] != "default"]
    if settings.listener and not given:
        raise ConfigError(
            "review.host: missing — a review environment (review.listener from "
            f"{sources['review.listener']}) needs `review.host` (like {{slug}}.review.example.com) or "
            "`review.path` (like /{slug}/*)"
        )
    if len(given) == 2:
        raise ConfigError(
            f"review.path: given with review.host (from {sources['review.path']} and "
            f"{sources['review.host']}) — a review rule matches a host or a path, choose one"
        )
    if given and not settings.listener:
        raise ConfigError(
            f"review.listener: missing — {given[0]} (from {sources[given[0]]}) needs the listener that gets "
            "the review rules: set `review.listener` to its ARN"
        )
