"""A webhook receiver on 127.0.0.1 for the notification tests: it records what it gets and answers by path.

A path with `/fail` answers HTTP 500, one with `/slow` answers only when the test ends (the sender times out),
one with `/hangup` closes the connection without an answer, any other 200 `ok`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What the receiver got: (path, content type, body) per request, in order."""

    base: str
    requests: list[tuple[str, str, Any]] = field(default_factory=list)

    def bodies(self, path: str) -> list[Any]:
        """The JSON bodies posted to `path`."""
        return [body for where, _, body in self.requests if where == path]


@contextmanager
def receiver() -> Iterator[Received]:
    """A running receiver; its `base` is `http://127.0.0.1:<port>`."""
    done = threading.Event()
    lock = threading.Lock()
    received = Received("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                received.requests.append((self.path, self.headers["Content-Type"], body))
            if "/slow" in self.path:
                done.wait(30)
            if "/hangup" in self.path:
                self.close_connection = True
                return
            status, text = (500, b"internal error") if "/fail" in self.path else (200, b"ok")
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    received.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        done.set()
        server.shutdown()
        server.server_close()
