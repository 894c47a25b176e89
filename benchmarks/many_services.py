"""API calls of one `services:` deploy job (v1 → v2) for 1, 3 and 10 services, by operation with -v.

Run: .venv/bin/python benchmarks/many_services.py [--tick 0.1] [-v]
The sample's shop-web, shop-worker and shop-scheduler; for 10, seven copies of shop-scheduler made here
(`bench-1` … `bench-7`, each with a task definition family of its own). The first count is a fresh
sandbox's first job, so it includes creating the lock table (its first transaction refused, CreateTable 1,
DescribeTable 1); the later job (v2 → v3, same sandbox) finds the table. Aim: 10 services cost less than
4× one.
"""

from __future__ import annotations

import sandbox_jobs

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import SERVICES


def _copies(box: sandboxes.Sandbox, sample: sandboxes.Sample, count: int) -> list[str]:
    """`count` more services like shop-scheduler (same task definition, network and deployment settings)."""
    import boto3

    ecs = boto3.client(
        "ecs",
        endpoint_url=box.endpoint,
        region_name=box.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    model = ecs.describe_services(cluster=sample.cluster, services=["shop-scheduler"])["services"][0]
    revision = ecs.describe_task_definition(taskDefinition=model["taskDefinition"])["taskDefinition"]
    names = [f"bench-{n}" for n in range(1, count + 1)]
    for name in names:  # each with a task definition family of its own, as a real service has
        ecs.register_task_definition(
            family=name,
            containerDefinitions=revision["containerDefinitions"],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )
        ecs.create_service(
            cluster=sample.cluster,
            serviceName=name,
            taskDefinition=name,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=model["networkConfiguration"],
            deploymentConfiguration=model["deploymentConfiguration"],
        )
    box.wait_idle()
    return names


def _config(sample: sandboxes.Sample, names: list[str]) -> str:
    lines = [
        f"region: {sample.region}",
        f"cluster: {sample.cluster}",
        f"image: {sample.repository}",
        "services:",
        *(f"  - service: {name}" for name in names),
        "wait:",
        "  poll_first: 1",
        "  poll_cap: 2",
        "  timeout: 120",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the API calls of one job for 1, 3 and 10 services."""
    with sandbox_jobs.run(__doc__ or "") as (args, box, directory):
        print("| services | API calls | DescribeServices | per service | later job (v2 → v3) |")
        print("|---|---|---|---|---|")
        totals: dict[int, tuple[int, int]] = {}
        for count in (1, 3, 10):
            sample = box.reset(seed=True)
            assert sample is not None
            names = list(SERVICES)[:count] if count <= 3 else [*SERVICES, *_copies(box, sample, count - 3)]
            config = f"{directory}/services-{count}.yml"
            with open(config, "w", encoding="utf-8") as file:
                file.write(_config(sample, names))
            code, total, calls = sandbox_jobs.job(
                box, directory, config, "deploy", "--image", f"{sample.repository}:v2"
            )
            later_code, later, later_calls = sandbox_jobs.job(
                box, directory, config, "deploy", "--image", f"{sample.repository}:v3"
            )
            totals[count] = (total, later)
            described = calls.get("ecs:DescribeServices", 0)
            print(
                f"| {count} | {total} [{code}] | {described} | {total / count:.1f} | {later} [{later_code}] |"
            )
            if args.verbose:
                print(sandbox_jobs.by_operation(f"{count} services", calls))
                print(sandbox_jobs.by_operation(f"{count} services, later job", later_calls))
        first_ratio, later_ratio = (totals[10][i] / max(totals[1][i], 1) for i in (0, 1))
        print(f"10 services cost {first_ratio:.2f}× one (aim: under 4×); in a later job {later_ratio:.2f}×")


if __name__ == "__main__":
    main()
