"""Sending: each webhook gets its message at once, in parallel; a webhook that fails is one warning line."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ci_ecs.model import DeploymentRecord
from ci_ecs.notify import slack, teams, webhook
from ci_ecs.notify.notice import Notice, job_url
from ci_ecs.output import Console
from ci_ecs.settings import Settings
from ci_ecs.settings.notify import Event, resolve

Payload = Callable[[Notice], dict[str, Any]]
# (key, what the warning calls it, its message)
_SERVICES: tuple[tuple[str, str, Payload], ...] = (
    ("slack_webhook", "the Slack webhook", slack.payload),
    ("teams_webhook", "the Teams webhook", teams.payload),
    ("webhook", "the webhook", webhook.payload),
)


@dataclass(frozen=True)
class Target:
    """One webhook: what the warnings call it, its URL (a secret) and the message it takes."""

    name: str
    url: str
    payload: Payload


@dataclass(frozen=True)
class Notifier:
    """Where a job's notifications go, on which events, and what they say about the job."""

    targets: tuple[Target, ...]
    events: frozenset[Event]
    timeout: float
    console: Console
    environment: str | None = None
    url: str | None = None
    job_url: str | None = None

    def send(self, event: Event, record: DeploymentRecord, seconds: float) -> None:
        """Notify every webhook of the event, if it is one of those chosen; failures are warnings."""
        if event not in self.events or not self.targets:
            return
        notice = Notice(event, record, seconds, self.environment, self.url, self.job_url)
        problems: dict[str, str] = {}

        def one(target: Target) -> None:
            try:
                message = _redacted(target.payload(notice), self.console.redact)
            except Exception as exc:  # a notification never fails the job, not even by a bug of ours
                problems[target.name] = f"got no message ({type(exc).__name__}: {exc})"
                return
            problem = post(target.url, message, self.timeout)
            if problem:
                problems[target.name] = problem

        threads = {t: threading.Thread(target=one, args=(t,), daemon=True) for t in self.targets}
        for thread in threads.values():
            thread.start()
        for target, thread in threads.items():
            # The socket timeout bounds each read, not the whole answer: a trickling one is cut off here.
            thread.join(self.timeout + 1)
            if thread.is_alive():
                problems.setdefault(target.name, f"did not answer in {self.timeout:g}s")
        for target in self.targets:
            if target.name in problems:
                self.console.warn(
                    f"notify: {target.name} {problems[target.name]}: the {event} notification was not sent"
                )


def post(url: str, body: Mapping[str, Any], timeout: float) -> str | None:
    """POST the body as JSON; None when the webhook took it (2xx), else what went wrong, in words."""
    from ci_ecs import __version__

    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": f"ci-ecs/{__version__}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read(1024)
        return None
    except urllib.error.HTTPError as exc:
        return f"answered HTTP {exc.code}" + _said(exc)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return f"did not answer in {timeout:g}s"
        return f"could not be reached ({getattr(reason, 'strerror', None) or reason})"


def _said(answer: urllib.error.HTTPError) -> str:
    """The start of an error answer's body, on one line (Slack says what was wrong: `invalid_payload`)."""
    try:
        said = " ".join(answer.read(200).decode(errors="replace").split())
    except (OSError, http.client.HTTPException):
        return ""
    return f" ({said})" if said else ""


def _redacted(node: Any, redact: Callable[[str], str]) -> Any:
    """A copy of the message with every known secret masked in its strings."""
    if isinstance(node, dict):
        return {k: _redacted(v, redact) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_redacted(v, redact) for v in node]
    return redact(node) if isinstance(node, str) else node


def notifier_for(settings: Settings, env: Mapping[str, str], console: Console) -> Notifier:
    """The job's notifier: each configured webhook's URL (read from its variable), learnt as a secret."""
    targets = []
    for name, shown, payload in _SERVICES:
        configured = getattr(settings.notify, name)
        if configured is None:
            continue
        key = f"notify.{name}"
        url = resolve(configured, key, env, settings.sources.get(key, "the configuration"))
        console.redact.add(url)
        targets.append(Target(shown, url, payload))
    return Notifier(
        tuple(targets),
        frozenset(settings.notify.events),
        settings.notify.timeout,
        console,
        settings.environment,
        settings.url,
        job_url(env),
    )
