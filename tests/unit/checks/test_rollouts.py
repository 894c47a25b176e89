"""The batched watcher's groups: one DescribeServices call (per 10) per region, account and cluster."""

from __future__ import annotations

from ci_ecs.aws.clients import Aws
from ci_ecs.checks.rollouts import by_place

ROLE = "arn:aws:iam::210987654321:role/deployer"


def test_services_are_read_together_only_in_the_same_region_account_and_cluster() -> None:
    job = Aws("us-east-1")
    west, other, also_here = job.elsewhere("us-west-2", None), job.elsewhere(None, ROLE), Aws("us-east-1")
    services = [
        ("web", job, "demo"),
        ("worker", west, "demo"),
        ("scheduler", also_here, "demo"),  # another gateway object, the same place
        ("mailer", other, "demo"),
        ("cron", job, "jobs"),
    ]

    groups = by_place(services, lambda s: (s[1], s[2]))

    assert [[s[0] for s in group] for group in groups] == [
        ["web", "scheduler"],
        ["worker"],
        ["mailer"],
        ["cron"],
    ]
