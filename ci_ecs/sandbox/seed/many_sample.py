"""The sample's three services from one image (`services:`): their names, containers, commands and config."""

from __future__ import annotations

CONFIG = "ci-ecs-services.yml"
REGIONS_CONFIG = "ci-ecs-regions.yml"  # the three in both regions, one job (written with a second region)
PUBLIC_PORT = 8095  # the demo ALB's listener for shop-web
SECOND_REGION = "us-west-2"  # where the three are seeded again (`start(second_region=True)`)
# service → (container, command, desired count); the container names the per-container `-crash-<name>` tag
SERVICES = {
    "shop-web": ("web", ["serve", "--port", "8080"], 2),
    "shop-worker": ("worker", ["work", "--queue", "jobs"], 2),
    "shop-scheduler": ("scheduler", ["schedule", "--every", "1m"], 1),
}
# Only the worker's container crashes on these: one image, one release, one service failing.
TAGS = ("v2-crash-worker", "v3-crash-worker")


def _entries(region: str = "") -> list[str]:
    """The three `services:` entries, each with `region:` when given."""
    own = [f"    region: {region}"] if region else []
    return [
        line
        for service, (container, _, _) in SERVICES.items()
        for line in (f"  - service: {service}", f"    container: {container}", *own)
    ]


def config_lines(second_region: str = "") -> list[str]:
    """The `services:` of ci-ecs-services.yml: the three in one wave (no `after:`)."""
    also = f"# The three run in {second_region} too: CI_ECS_REGION={second_region} deploys them there instead"
    return [
        *([also] if second_region else []),
        "services:           # one release to all three; each may set its own strategy, canary, …",
        *_entries(),
        "on_failure: rollback-all   # or keep",
    ]


def regions_lines(second_region: str) -> list[str]:
    """The `services:` of ci-ecs-regions.yml: the three in the top-level region and in `second_region`."""
    return [
        f"services:           # the three here and again in {second_region}: one job, one release",
        *_entries(),
        *_entries(second_region),
        "on_failure: rollback-all   # or keep",
    ]
