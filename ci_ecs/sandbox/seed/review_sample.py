"""The sample's review environments: `web` is the template, the demo ALB's :80 listener takes their rules."""

from __future__ import annotations

REVIEW_CONFIG = "ci-ecs-review.yml"
HOST = "{slug}.review.test"  # a host rule per review environment, beside the listener's other rules
MAX = 3


def config_lines(listener: str) -> list[str]:
    """The review config's `environments:`: `production` as the top-level keys, `review/*` for reviews."""
    return [
        "environments:",
        "  production: {}",
        "  review/*:           # --environment review/<branch>: a service web-<branch> beside web",
        "    review:",
        f"      listener: {listener}",
        f'      host: "{HOST}"',
        f"      max: {MAX}",
    ]
