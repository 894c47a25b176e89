"""A fault-injecting HTTP proxy between ci-ecs (AWS_ENDPOINT_URL) and the sandbox, for the tests.

On the operations a `Plan` names, at its rate, it answers a request itself with the AWS error of the
request's protocol (ThrottlingException / Throttling, a 5xx), closes the connection before forwarding
it (`drop`), or forwards it and closes the connection instead of replying (`lost`: AWS did the work,
the client never heard). Decisions are deterministic: the n-th request of an operation gets the same
fate for the same seed, whatever other operations run in between. Everything injected is recorded.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import socket
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest
from botocore.retries import standard

Kind = Literal["throttle", "5xx", "drop", "lost"]
KINDS: tuple[Kind, ...] = ("throttle", "5xx", "drop", "lost")
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


@dataclass(frozen=True)
class Plan:
    """What to inject: on `operations` (empty: every one), a share `rate` of requests get one of `kinds`.

    `most` caps the faults in all (None: no cap); `in_a_row` caps the faults on consecutive requests of
    one operation, so that a client retrying as botocore does always gets through in the end.
    """

    rate: float = 0.0
    operations: frozenset[str] = frozenset()
    kinds: tuple[Kind, ...] = KINDS
    seed: int = 0
    most: int | None = None
    in_a_row: int = 3

    @staticmethod
    def lose(operation: str, times: int = 1) -> Plan:
        """Lose the reply to the first `times` requests of `operation` (each one is carried out)."""
        return Plan(rate=1.0, operations=frozenset({operation}), kinds=("lost",), most=times)


@dataclass(frozen=True)
class Injected:
    """One fault: the operation (`ecs:CreateTaskSet`) and what was done to it."""

    operation: str
    kind: Kind


@dataclass
class _Ledger:
    """What the proxy has seen and done under the current plan."""

    plan: Plan = field(default_factory=Plan)
    seen: Counter[str] = field(default_factory=Counter)  # requests per operation
    in_a_row: Counter[str] = field(default_factory=Counter)
    injected: list[Injected] = field(default_factory=list)

    def decide(self, operation: str) -> Kind | None:
        """The fate of the next request of `operation` (None: forward it and reply)."""
        plan, name = self.plan, operation.split(":")[-1]
        number = self.seen[operation]
        self.seen[operation] += 1
        named = not plan.operations or name in plan.operations or operation in plan.operations
        capped = plan.most is not None and len(self.injected) >= plan.most
        if not named or capped or self.in_a_row[operation] >= plan.in_a_row:
            self.in_a_row[operation] = 0
            return None
        draw = random.Random(f"{plan.seed}:{operation}:{number}")
        if draw.random() >= plan.rate:
            self.in_a_row[operation] = 0
            return None
        kind = draw.choice(plan.kinds)
        self.in_a_row[operation] += 1
        self.injected.append(Injected(operation, kind))
        return kind


class FaultProxy:
    """The proxy on 127.0.0.1 in front of `upstream`; `endpoint` is what AWS_ENDPOINT_URL should say."""

    def __init__(self, upstream: str) -> None:
        target = urllib.parse.urlsplit(upstream)
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self._lock = threading.Lock()
        self._ledger = _Ledger()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()

    def inject(self, plan: Plan) -> None:
        """Follow `plan` from now on, with a fresh record."""
        with self._lock:
            self._ledger = _Ledger(plan)

    @property
    def injected(self) -> list[Injected]:
        """The faults injected under the current plan, in order."""
        with self._lock:
            return list(self._ledger.injected)

    @property
    def seen(self) -> Counter[str]:
        """Requests per operation (`ecs:RunTask`) under the current plan, faulted ones included."""
        with self._lock:
            return Counter(self._ledger.seen)

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _decide(self, operation: str) -> Kind | None:
        with self._lock:
            return self._ledger.decide(operation)

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            return reply.status, reply.getheaders(), reply.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                request = _Request.of(headers, body)
                kind = proxy._decide(request.operation) if request.operation else None
                if kind in ("throttle", "5xx"):
                    self._reply(*request.error(kind))
                    return
                if kind == "drop":
                    self._hang_up()
                    return
                status, reply_headers, reply = proxy._forward(self.command, self.path, headers, body)
                if kind == "lost":
                    self._hang_up()
                    return
                kept = [(k, v) for k, v in reply_headers if k.lower() not in _HOP_BY_HOP | {"content-length"}]
                self._reply(status, kept, reply)

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _hang_up(self) -> None:
                self.close_connection = True
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

        return Handler


@contextmanager
def serving(upstream: str) -> Iterator[FaultProxy]:
    """A proxy in front of `upstream`, with retries in this process backing off for milliseconds only.

    The faults are there to be retried; seconds of backoff would only make the tests slow.
    """
    with pytest.MonkeyPatch.context() as patch, FaultProxy(upstream) as proxy:
        patch.setattr(standard.ExponentialBackoff, "delay_amount", _short_delay)
        yield proxy


def _short_delay(self: Any, context: Any) -> float:
    return 0.001 * int(context.attempt_number)


@dataclass(frozen=True)
class _Request:
    """What the proxy needs to know of a request: its operation and how its protocol spells errors."""

    operation: str  # "ecs:CreateTaskSet"; "" when not an AWS operation the proxy can name
    json_type: str  # the JSON protocol's content type; "" for the query protocol

    @staticmethod
    def of(headers: dict[str, str], body: bytes) -> _Request:
        lower = {k.lower(): v for k, v in headers.items()}
        scope = _SCOPE.search(lower.get("authorization", ""))
        service = scope.group(1) if scope else "?"
        target = lower.get("x-amz-target", "")
        if target:
            content_type = lower.get("content-type", "application/x-amz-json-1.1")
            return _Request(f"{service}:{target.rsplit('.', 1)[-1]}", content_type)
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return _Request(f"{service}:{action}" if action else "", "")

    def error(self, kind: Kind) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body): the AWS error this protocol answers a throttled or failed request with."""
        status, code, message = (
            (400, "ThrottlingException" if self.json_type else "Throttling", "Rate exceeded")
            if kind == "throttle"
            else (503, "ServiceUnavailable", "Service is unavailable. Please try again later.")
        )
        request_id = "fault-proxy"
        if self.json_type:
            body = json.dumps({"__type": code, "message": message}).encode()
            return status, [("Content-Type", self.json_type), ("x-amzn-RequestId", request_id)], body
        fault = "Sender" if status < 500 else "Receiver"
        xml = (
            f"<ErrorResponse><Error><Type>{fault}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml")], xml.encode()
