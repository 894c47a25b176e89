"""An operation the sandbox cannot answer gets an AWS-shaped error, never moto's HTML 500.

moto raises NotImplementedError for actions it lacks (and for parts of some it has); its server turns
that into an HTML "500 Internal Server Error" page, which SDKs retry (500 is a transient error) and then
report unreadably; a REST operation moto has no route for gets an HTML 404. Here both become a 501 (SDKs
do not retry it) with error code `NotImplemented` in the service's protocol — JSON `{"__type": …,
"message": …}` or XML `<Error><Code>…` — and a message naming the service and operation.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

CODE = "NotImplemented"
STATUS = 501
_STATUS_LINE = "501 Not Implemented"


class NotImplementedInSandbox(ServiceException):
    """The error the sandbox answers with (its module is not moto's, so no service model claims it)."""

    code = CODE


def message(service: str, operation: str, detail: str = "") -> str:
    """What the error says: which operation, and what moto said about it."""
    named = f"{service}.{operation}" if operation else service
    said = f" ({detail})" if detail and detail != "None" else ""
    return f"The ci-ecs sandbox (moto 5.2.5) cannot answer {named}{said}."


def call_action(original: Any) -> Any:
    """BaseResponse.call_action: NotImplementedError → the protocol's error shape, status 501."""

    def call_action(self: Any) -> Any:
        try:
            return original(self)
        except NotImplementedError as exc:
            try:
                operation = str(self._get_action() or "")
            except Exception:
                operation = ""
            error = NotImplementedInSandbox(message(str(self.service_name or ""), operation, str(exc)))
            with warnings.catch_warnings():  # moto warns that no model of the service has this code
                warnings.simplefilter("ignore")
                _, headers, body = self.serialized(ActionResult(error))
            return STATUS, headers, body

    return call_action


def guard(
    app: Callable[..., Iterable[bytes]], environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """Run the WSGI app; a NotImplementedError that escaped moto, or moto's HTML 404 for a route it does
    not have, becomes the 501 error instead."""
    seen: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        seen.update(status=status, headers=headers)
        return lambda data: None

    try:
        body = app(environ, capture)
        try:
            chunks = list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    except NotImplementedError as exc:
        return _answer(environ, start_response, str(exc))
    content_type = dict((k.lower(), v) for k, v in seen.get("headers", [])).get("content-type", "")
    if str(seen.get("status", "")).startswith("404") and content_type.startswith("text/html"):
        return _answer(environ, start_response, "no such route")
    start_response(seen["status"], seen["headers"])
    return chunks


def _answer(environ: dict[str, Any], start_response: Callable[..., Any], detail: str) -> list[bytes]:
    service = _service(environ)
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    operation = (
        target.split(".")[-1] if target else f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
    )
    text = message(service, operation, detail)
    if _protocol(service, environ) in ("query", "ec2", "rest-xml"):
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{CODE}</Code><Message>{escape(text)}</Message>"
            "</Error><RequestId>0</RequestId></ErrorResponse>"
        )
        headers = [("Content-Type", "text/xml")]
    else:
        body = json.dumps({"__type": CODE, "message": text})
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amzn-Errortype", CODE)]
    encoded = body.encode()
    start_response(_STATUS_LINE, [*headers, ("Content-Length", str(len(encoded)))])
    return [encoded]


def _service(environ: dict[str, Any]) -> str:
    """The signing name in the request's credential scope (`Credential=<key>/<date>/<region>/<service>/`)."""
    found = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", str(environ.get("HTTP_AUTHORIZATION") or ""))
    return found.group(1) if found else str(environ.get("HTTP_HOST") or "").split(".")[0]


@functools.cache
def _model_protocol(service: str) -> str | None:
    import botocore.session

    try:
        return str(botocore.session.get_session().get_service_model(service).protocol)
    except Exception:  # a signing name that is no model name (elasticloadbalancing, monitoring, …)
        return None


def _protocol(service: str, environ: dict[str, Any]) -> str:
    """The service's protocol, else what the request's content type says (query APIs post a form)."""
    found = _model_protocol(service)
    if found:
        return found
    form = str(environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded")
    return "query" if form else "json"
