"""The sample's three services from one image (`services:`): their names, containers, commands and config."""

from __future__ import annotations

CONFIG = "ci-ecs-services.yml"
PUBLIC_PORT = 8095  # the demo ALB's listener for shop-web
# service → (container, command, desired count); the container names the per-container `-crash-<name>` tag
SERVICES = {
    "shop-web": ("web", ["serve", "--port", "8080"], 2),
    "shop-worker": ("worker", ["work", "--queue", "jobs"], 2),
    "shop-scheduler": ("scheduler", ["schedule", "--every", "1m"], 1),
}
# Only the worker's container crashes on these: one image, one release, one service failing.
TAGS = ("v2-crash-worker", "v3-crash-worker")


def config_lines() -> list[str]:
    """The `services:` of ci-ecs-services.yml: the three in one wave (no `after:`)."""
    return [
        "services:           # one release to all three; each may set its own strategy, canary, …",
        *(
            line
            for service, (container, _, _) in SERVICES.items()
            for line in (f"  - service: {service}", f"    container: {container}")
        ),
        "on_failure: rollback-all   # or keep",
    ]
