"""The seeded sample environment, and the shell exports and ci-ecs.yml that point at it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
ACCESS_KEY = "testing"


@dataclass(frozen=True)
class Sample:
    """The sample environment `start(seed=True)` creates: a load-balanced Fargate service on v1."""

    region: str
    account_id: str
    cluster: str
    service: str
    container: str
    container_port: int
    repository: str
    images: dict[str, str] = field(hash=False)
    task_family: str
    target_group_arn: str
    load_balancer_arn: str
    listener_arn: str
    url: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]


def environment(endpoint: str, region: str) -> dict[str, str]:
    """The variables that point boto3, the aws CLI and ci-ecs at the sandbox."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
    }


def exports(variables: dict[str, str]) -> str:
    """`export K=V` lines for a POSIX shell."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in variables.items())


def config_text(sample: Sample, endpoint: str) -> str:
    """A ready ci-ecs.yml for the sample service, with a header saying what to export."""
    lines = [
        "# ci-ecs.yml for the ci-ecs sandbox (a rehearsal AWS; nothing here touches real AWS).",
        f"# The sandbox listens on {endpoint}; before running ci-ecs, export:",
        *(f"#   {line}" for line in exports(environment(endpoint, sample.region)).splitlines()),
        f"# Image tags in its ECR repository: {', '.join(sample.images)}",
        f"region: {sample.region}",
        f"cluster: {sample.cluster}",
        f"service: {sample.service}",
        f"image: {sample.repository}",
        "wait:",
        "  poll_first: 1      # seconds",
        "  poll_cap: 2",
        "  timeout: 120",
    ]
    return "\n".join(lines) + "\n"
