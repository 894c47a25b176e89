"""Everything ci-ecs prints: text or JSON, GitLab sections / GitHub groups, and secret redaction."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from ci_ecs.redaction import MASK, SECRET_VALUE, secret_name


def plural(count: int, word: str, many: str | None = None) -> str:
    """`word` for one, else `many` (default `word` + s): `rule`, `rules`; `policy`, `policies`."""
    return word if count == 1 else many or f"{word}s"


def counted(count: int, word: str, many: str | None = None) -> str:
    """The count and its word: `1 task`, `2 tasks`, `1 policy`, `3 policies`."""
    return f"{count} {plural(count, word, many)}"


# Variables whose values are never secret even though their names match: names of secrets, and the
# shell's working directories and agent socket (PWD is a secret word in MYSQL_PWD, not here).
_NOT_SECRET_VARIABLES = {"AWS_ACCESS_KEY_ID", "CI_JOB_TOKEN_SCOPE", "PWD", "OLDPWD", "SSH_AUTH_SOCK"}


class Redactor:
    """Replaces every known secret value, and anything credential-shaped, in text."""

    def __init__(self, secrets: set[str] | None = None) -> None:
        self._secrets: set[str] = set()
        for value in secrets or ():
            self.add(value)

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Redactor:
        """Learn the values of the process's secret-looking variables (tokens, keys, passwords)."""
        return cls({v for k, v in env.items() if k not in _NOT_SECRET_VARIABLES and secret_name(k) and v})

    def add(self, value: str) -> None:
        """Treat `value` as secret from now on (short values would redact ordinary words: ignored)."""
        if len(value) >= 4:
            self._secrets.add(value)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return SECRET_VALUE.sub(MASK, text)


def silence(stream: TextIO) -> None:
    """Point a stream whose reader went away at /dev/null: later writes, and the flush at exit, succeed."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # not a file (a test's buffer): nothing to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def detect_ci(env: Mapping[str, str]) -> str | None:
    """`gitlab`, `github` or None, from the CI's own variables."""
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    return None


class Console:
    """The one writer of progress and results; everything goes through the redactor."""

    def __init__(
        self,
        *,
        fmt: str = "text",
        ci: str | None = None,
        verbose: bool = False,
        redactor: Redactor | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.fmt = fmt
        self.ci = ci
        self.verbose = verbose
        self.redact = redactor or Redactor()
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self._sections = 0
        self.log_lines = 30  # on a failure, the last lines of each failed container's log to show

    @property
    def _log(self) -> TextIO:
        # In JSON mode stdout carries only the final document; the log goes to stderr.
        return self._err if self.fmt == "json" else self._out

    def _write(self, stream: TextIO, text: str) -> None:
        try:
            stream.write(self.redact(text) + "\n")
            stream.flush()
        except BrokenPipeError:  # nobody reads any more (`| head -1`): the job goes on, unheard
            silence(stream)

    def line(self, text: str) -> None:
        """A plain log line."""
        self._write(self._log, text)

    def step(self, text: str) -> None:
        """The start of a step."""
        self._write(self._log, f"==> {text}")

    def progress(self, text: str) -> None:
        """One polling line, with the time of day."""
        self._write(self._log, f"    {time.strftime('%H:%M:%S')} {text}")

    def detail(self, text: str) -> None:
        """Shown only with -v."""
        if self.verbose:
            self._write(self._log, f"    {text}")

    def warn(self, text: str) -> None:
        """A warning; annotated on GitHub."""
        prefix = "::warning::" if self.ci == "github" else "warning: "
        self._write(self._err, prefix + text)

    def error(self, text: str) -> None:
        """An error; annotated on GitHub."""
        prefix = "::error::" if self.ci == "github" else "error: "
        self._write(self._err, prefix + text)

    @contextmanager
    def section(self, title: str) -> Iterator[None]:
        """A collapsible log section on GitLab / GitHub; a heading elsewhere."""
        self._sections += 1
        name = f"ci_ecs_{self._sections}"
        if self.ci == "gitlab":
            self._write(self._log, f"\x1b[0Ksection_start:{int(time.time())}:{name}\r\x1b[0K{title}")
        elif self.ci == "github":
            self._write(self._log, f"::group::{title}")
        else:
            self._write(self._log, f"--- {title}")
        try:
            yield
        finally:
            if self.ci == "gitlab":
                self._write(self._log, f"\x1b[0Ksection_end:{int(time.time())}:{name}\r\x1b[0K")
            elif self.ci == "github":
                self._write(self._log, "::endgroup::")

    def document(self, payload: Mapping[str, Any]) -> None:
        """The command's result as one JSON document on stdout (JSON mode only)."""
        if self.fmt == "json":
            self._write(self._out, json.dumps(payload, indent=2, default=str, sort_keys=False))

    def json(self, payload: Any) -> None:
        """Print a JSON value on stdout (for commands whose result is data)."""
        self._write(self._out, json.dumps(payload, indent=2, default=str))
