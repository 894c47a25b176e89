"""Measure masking time against the length of the text: a long run of letters (a base64 blob, a minified
bundle in an environment value) is the worst case of the credentials-in-a-URL pattern.

Run: .venv/bin/python benchmarks/redaction.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ci_ecs.output import Redactor
from ci_ecs.redaction import redact


def _seconds(work: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


def main() -> None:
    redactor = Redactor({"s3cr3t-value"})
    print("| characters | a run of letters | the same with `://` at the end | a task definition with it |")
    print("|---|---|---|---|")
    for size in (5_000, 20_000, 80_000, 320_000):
        letters = "a" * size
        definition = {"containerDefinitions": [{"environment": [{"name": "BUNDLE", "value": letters}]}]}
        print(
            f"| {size:,} | {_seconds(redactor, letters):.4f} s | {_seconds(redactor, letters + '://'):.4f} s "
            f"| {_seconds(redact, definition):.4f} s |"
        )


if __name__ == "__main__":
    main()
