"""What the forge reporters share: each API call guarded so an error is one warning line, never a failure."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from ci_ecs.forge import ForgeDeployment
from ci_ecs.output import Console

T = TypeVar("T")

TIMEOUT = 10  # seconds per request: a slow forge must not hold up a deploy
PERMANENT = (401, 403, 404)  # answers that will not change within this job
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def missing(env: Mapping[str, str], *names: str) -> list[str]:
    """The names among `names` that are unset or empty in `env`."""
    return [name for name in names if not env.get(name)]


def _short(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters; an HTML error page is reduced to its title."""
    title = _HTML_TITLE.search(text)
    if text.lstrip().startswith("<") and title:
        text = title[1]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(data: Any) -> str:
    """The useful part of an error body (GitLab `message`, GitHub `message` and `errors`)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    if isinstance(data, Mapping) and set(data) == {"data"}:
        return _message(data["data"])  # PyGithub wraps a body that is not JSON (a proxy's error page)
    if isinstance(data, Mapping):
        parts = [_message(data["message"])] if "message" in data else []
        for error in data.get("errors") or []:
            if isinstance(error, Mapping):
                parts.append(str(error.get("message") or " ".join(str(v) for v in error.values())))
            else:
                parts.append(str(error))
        return "; ".join(p for p in parts if p) or json.dumps(data, separators=(",", ":"))
    if data is None:
        return ""
    return data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), default=str)


def describe(exc: BaseException) -> str:
    """What went wrong, in one line: the HTTP status and the forge's message, or the network problem."""
    import requests

    code = getattr(exc, "response_code", None)  # python-gitlab
    body = getattr(exc, "error_message", None)
    if not isinstance(code, int):
        code = getattr(exc, "status", None)  # PyGithub
        body = getattr(exc, "data", None)
    if isinstance(code, int):
        text = _short(_message(body))
        text = text[len(str(code)) :].strip() if text.startswith(str(code)) else text
        return f"HTTP {code}" + (f" {text}" if text else "")
    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT}s ({type(exc).__name__})"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect ({_short(str(exc))})"
    return f"{type(exc).__name__}: {_short(str(exc))}"


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a python-gitlab or PyGithub error."""
    code = getattr(exc, "response_code", None) or getattr(exc, "status", None)
    return code if isinstance(code, int) else None


def is_permanent(exc: BaseException) -> bool:
    """Whether later calls in this job would fail the same way (credentials, permission, reachability)."""
    import requests

    return status_of(exc) in PERMANENT or isinstance(exc, requests.ConnectionError | requests.Timeout)


class GuardedReporter:
    """Base of the forge reporters: runs each call so that any error becomes one warning line."""

    name = ""
    forge = ""
    hints: ClassVar[Mapping[int, str]] = {}  # HTTP status → what usually fixes it

    def __init__(self, console: Console) -> None:
        self._console = console
        self._off = False

    def _attempt(self, what: str, action: Callable[[], T]) -> T | None:
        """`action()`, or None after one warning; after a permanent error later calls do nothing."""
        if self._off:
            return None
        try:
            return action()
        except Exception as exc:  # reporting never fails a deploy, whatever went wrong
            self._off = is_permanent(exc)
            code = status_of(exc)
            hint = f" ({self.hints[code]})" if code is not None and code in self.hints else ""
            later = f"; not reporting to {self.forge} for the rest of this job" if self._off else ""
            self._console.warn(f"{self.forge}: {what} failed: {describe(exc)}{hint}{later}")
            return None

    def history(self, environment: str, *, limit: int = 10) -> list[ForgeDeployment]:
        """The environment's successful deployments, newest first ([] after a warning on error)."""
        what = f"reading the deployments of {environment}"
        found = self._attempt(what, lambda: self._list(environment, limit))
        return found or []

    def _list(self, environment: str, limit: int) -> list[ForgeDeployment]:
        """The forge's answer, unguarded (each reporter implements it)."""
        raise NotImplementedError
