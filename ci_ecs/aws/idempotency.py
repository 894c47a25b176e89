"""Creates that a lost reply cannot make twice: client tokens, and a look before creating again.

A reply can be lost after AWS carried the request out (a connection closed, a timeout, a 5xx from a
proxy); botocore then sends the same request again. Where the API takes a client token, the gateway
fills one in that botocore's retries resend unchanged and that no other request of any job shares.
Where it takes none, `create_once` makes the call without botocore's retries and, after a failure that
may have created something, asks `previous` for it before trying again.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import botocore.exceptions

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel

T = TypeVar("T")

ATTEMPTS = 9  # as many as the gateway's clients make (8 retries)
TOKEN_MEMBERS = ("clientToken", "ClientToken")  # spelled so by ECS, which does not mark them as tokens
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
}
_MAY_HAVE_RUN = {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
Outcome = Literal["not done", "maybe done"]


def client_token(nonce: str, operation: str, params: Mapping[str, Any]) -> str:
    """The token of one request: the same for a resend of it, different for any other request or job."""
    request = {k: v for k, v in params.items() if k not in TOKEN_MEMBERS}
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{nonce}\n{operation}\n{text}".encode()).hexdigest()[:32]  # ECS takes ≤ 36


def fill_tokens(client: BaseClient, nonce: str) -> None:
    """Give every request of `client` whose API takes a client token one (botocore's own retries keep it)."""

    def fill(params: dict[str, Any], model: OperationModel, **_: Any) -> None:
        shape = model.input_shape
        for name, member in (shape.members if shape is not None else {}).items():
            if name not in params and (member.metadata.get("idempotencyToken") or name in TOKEN_MEMBERS):
                params[name] = client_token(nonce, model.name, params)

    # First: botocore fills tokens marked in its models (RunTask's) with a random one otherwise.
    client.meta.events.register_first("before-parameter-build", fill)


def create_once(attempt: Callable[[], T], previous: Callable[[], T | None], attempts: int = ATTEMPTS) -> T:
    """`attempt` (a call on a client that does not retry), retried here with backoff as botocore would.

    After a failure that may have created the thing anyway, `previous()` looks for it first: what it
    finds is the result. Failures that are not transient are raised at once, the last one after
    `attempts`.
    """
    for number in range(1, attempts):
        try:
            return attempt()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            outcome = _outcome(exc)
            if outcome is None:
                raise
            if outcome == "maybe done":
                found = previous()
                if found is not None:
                    return found
            pause(number, throttled=_code(exc) in _THROTTLED)
    return attempt()


def holds(found: Any, wanted: Any) -> bool:
    """Whether a described resource holds every value a request asked for: AWS adds defaults, so keys
    beyond those asked for are fine; lists item by item; an empty value asked for is an absent one."""
    if wanted in (None, [], {}):
        return found in (None, [], {})
    if isinstance(wanted, Mapping):
        return isinstance(found, Mapping) and all(holds(found.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(found, list)
            and len(found) == len(wanted)
            and all(holds(f, w) for f, w in zip(found, wanted, strict=True))
        )
    return bool(found == wanted)


def pause(attempt: int, *, throttled: bool) -> None:
    """Sleep before another attempt: full jitter over 2^attempt steps of 1 s (throttled) or 50 ms, ≤ 20 s."""
    scale = 1.0 if throttled else 0.05
    time.sleep(random.random() * min(scale * 2 ** (attempt - 1), 20.0))


def _outcome(exc: Exception) -> Outcome | None:
    """What a failed attempt means: not done (throttled, never sent), maybe done, or None (not transient)."""
    if isinstance(exc, botocore.exceptions.ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if _code(exc) in _THROTTLED:
            return "not done"
        return "maybe done" if status >= 500 or _code(exc) in _MAY_HAVE_RUN else None
    never_sent = (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)
    if isinstance(exc, never_sent):
        return "not done"
    transient = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
    return "maybe done" if isinstance(exc, transient) else None


def _code(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""
