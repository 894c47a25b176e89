"""Client tokens of ECS creates (RunTask, CreateService, CreateTaskSet), as ECS honours them.

ECS API Reference, *Ensuring idempotency*: a request repeated with the same token and the same
parameters "succeeds without performing any further actions" and returns the original result; tokens
are scoped to a cluster. A token reused with other parameters is refused (RunTask: ConflictException).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_ATTR = "_ci_ecs_client_tokens"  # on moto's ECS backend, so that moto's reset forgets them too


@dataclass(frozen=True)
class Remembered:
    """The first request made with a token (its parameters as JSON) and what it created."""

    request: str
    result: Any


def once(
    backend: Any,
    operation: str,
    cluster: str | None,
    params: Mapping[str, Any],
    create: Callable[[], T],
    refuse: Callable[[Remembered], Exception],
) -> T:
    """`create()`, unless the request's `clientToken` was used before in the cluster.

    The same parameters again: the first request's result. Other parameters: `refuse(first)` is raised.
    """
    token = params.get("clientToken")
    if not token:
        return create()
    remembered: dict[tuple[str, str, str], Remembered] = backend.__dict__.setdefault(_ATTR, {})
    key = (str(cluster or "default").split("/")[-1], operation, str(token))
    request = json.dumps({k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True, default=str)
    first = remembered.get(key)
    if first is not None:
        if first.request != request:
            raise refuse(first)
        return first.result  # type: ignore[no-any-return]
    result = create()
    remembered[key] = Remembered(request, result)
    return result
