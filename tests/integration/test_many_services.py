"""`services:`: one release to web, worker and scheduler in one job, all or nothing, against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from ci_ecs import sandbox as sandboxes
from ci_ecs.sandbox.seed.many_sample import CONFIG, SERVICES
from tests.integration.helpers import aws_json, client, kill_at_every_call

NAMES = list(SERVICES)


def _revisions(sandbox: sandboxes.Sandbox, workdir: Path, cluster: str) -> dict[str, str]:
    """Each service's task definition (family:revision), as the real aws CLI sees it."""
    found = aws_json(sandbox, workdir, "ecs", "describe-services", "--cluster", cluster, "--services", *NAMES)
    return {s["serviceName"]: s["taskDefinition"].rsplit("/", 1)[-1] for s in found["services"]}


def _tags(sandbox: sandboxes.Sandbox, cluster: str, name: str) -> dict[str, str]:
    reply = client(sandbox, "ecs").describe_services(cluster=cluster, services=[name], include=["TAGS"])
    return {t["key"]: t["value"] for t in reply["services"][0].get("tags", [])}


def test_deploy_moves_all_three_services_in_one_job(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    before = _revisions(sandbox, workdir, sample.cluster)

    run = cli("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    after = _revisions(sandbox, workdir, sample.cluster)
    assert all(after[n] != before[n] for n in NAMES), (before, after)
    for name in NAMES:
        image = aws_json(
            sandbox, workdir, "ecs", "describe-task-definition", "--task-definition", after[name]
        )
        assert image["taskDefinition"]["containerDefinitions"][0]["image"].endswith(sample.images["v2"])
        assert _tags(sandbox, sample.cluster, name)["ci-ecs:version"] == "v2"
    record = json.loads(run.stdout)
    assert record["status"] == "success"
    assert all(f"{n} v2" in record["details"]["services"] for n in NAMES)
    # One DescribeServices a poll for all three, not one each: the waits cost less than three waits.
    assert record["api_calls"]["ecs:UpdateService"] == 3
    status = cli("--config", CONFIG, "status")
    assert status.code == 0, status.output
    assert all(n in status.stdout for n in NAMES)


@pytest.mark.parametrize("on_failure", ["rollback-all", "keep"])
def test_a_crashing_worker_fails_the_job(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, on_failure: str
) -> None:
    config = workdir / CONFIG
    config.write_text(config.read_text().replace("on_failure: rollback-all", f"on_failure: {on_failure}"))
    before = _revisions(sandbox, workdir, sample.cluster)

    run = cli(
        "--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2-crash-worker"
    )

    assert run.code == 1, run.output
    sandbox.wait_idle()
    after = _revisions(sandbox, workdir, sample.cluster)
    assert after["shop-worker"] == before["shop-worker"]
    assert _tags(sandbox, sample.cluster, "shop-worker")["ci-ecs:failed-version"] == "v2-crash-worker"
    record = json.loads(run.stdout)
    assert "shop-worker" in record["reason"]
    others = ("shop-web", "shop-scheduler")
    if on_failure == "rollback-all":
        assert after == before
        assert all(f"{n} v1" in record["details"]["services"] for n in NAMES), record["details"]
    else:
        assert all(after[n] != before[n] for n in others), (before, after)
        assert all(_tags(sandbox, sample.cluster, n)["ci-ecs:version"] == "v2-crash-worker" for n in others)
        assert "kept" in record["details"]["services"]


def _state(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample) -> dict[str, Any]:
    """Each service's image (by digest) and recorded version."""
    ecs = client(sandbox, "ecs")
    found = ecs.describe_services(cluster=sample.cluster, services=NAMES, include=["TAGS"])["services"]
    state = {}
    for service in found:
        revision = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        tags = {t["key"]: t["value"] for t in service.get("tags", [])}
        image = revision["containerDefinitions"][0]["image"].rsplit("@", 1)[-1].rsplit(":", 1)[-1]
        state[service["serviceName"]] = (image, tags.get("ci-ecs:version"))
    return state


def _recorded_v1(sandbox: sandboxes.Sandbox, cluster: str) -> None:
    """Tag the seeded services as a deploy of v1 by ci-ecs leaves them: the release a rollback returns to."""
    ecs = client(sandbox, "ecs")
    for service in ecs.describe_services(cluster=cluster, services=NAMES)["services"]:
        tags = {"ci-ecs:technique": "rolling", "ci-ecs:version": "v1"}
        tags["ci-ecs:task-definition"] = service["taskDefinition"]
        ecs.tag_resource(
            resourceArn=service["serviceArn"], tags=[{"key": k, "value": v} for k, v in tags.items()]
        )


@pytest.mark.parametrize("then", ["rerun", "rollback"])
def test_killed_three_service_deploy_is_finished_by_rerun_or_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, then: str
) -> None:
    """Killed after each AWS call that changes something (and after the first: a kill after a read leaves
    what a kill after the write before it left), on services that ci-ecs recorded on v1: a re-run ends as
    the whole deploy did; `rollback` puts every service the killed job moved back on v1 and leaves the
    others (exit 3 when it moved none: nothing to roll back)."""
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        ("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2"),
        ("--config", CONFIG, "rollback"),
        lambda fresh: _state(sandbox, fresh),
        thens=(then,),
        prepare=lambda: _recorded_v1(sandbox, sample.cluster),
        after_writes_only=True,
    )


def test_a_service_not_found_exits_3_naming_it_and_changes_nothing(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = workdir / CONFIG
    config.write_text(config.read_text().replace("services:", "services:\n  - service: shop-mailer", 1))
    before = _state(sandbox, sample)

    run = cli("--config", CONFIG, "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert "service shop-mailer in cluster demo" in run.stderr and "not found" in run.stderr, run.stderr
    assert _state(sandbox, sample) == before


def test_after_rolls_out_in_waves_and_a_failed_wave_stops_the_next(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = workdir / CONFIG
    text = config.read_text().replace(
        "    container: web\n", "    container: web\n    after: [shop-worker]\n"
    )
    config.write_text(text)
    before = _revisions(sandbox, workdir, sample.cluster)

    good = cli("--config", CONFIG, "deploy", "--image", f"{sample.repository}:v2")

    assert good.code == 0, good.output
    assert "(2 waves, on failure rollback-all)" in good.stdout
    assert good.stdout.index("wait for the rollout of shop-worker, shop-scheduler") < good.stdout.index(
        "update service shop-web"
    )
    moved = _revisions(sandbox, workdir, sample.cluster)
    assert all(moved[n] != before[n] for n in NAMES)

    bad = cli("--config", CONFIG, "deploy", "--image", f"{sample.repository}:v2-crash-worker")

    assert bad.code == 1, bad.output
    assert "update service shop-web" not in bad.stdout  # its wave never started
    sandbox.wait_idle()
    assert _revisions(sandbox, workdir, sample.cluster) == moved


WEB_CANARY = "    container: web\n    canary:\n      mode: task\n      count: 1\n"


def _web_canary(workdir: Path, *, web_last: bool = False, on_failure: str = "rollback-all") -> None:
    """ci-ecs-services.yml with a task canary for shop-web alone (listed last: `web_last`)."""
    config = workdir / CONFIG
    text = config.read_text().replace("    container: web\n", WEB_CANARY)
    text = text.replace("on_failure: rollback-all", f"on_failure: {on_failure}")
    if web_last:
        web = "  - service: shop-web\n" + WEB_CANARY
        at = text.index("on_failure:")
        text = text.replace(web, "")
        text = text[: at - len(web)] + web + text[at - len(web) :]
    config.write_text(text)


def _canary_version(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, name: str) -> str | None:
    return _tags(sandbox, sample.cluster, name).get("ci-ecs:canary-version")


def test_canary_deploy_puts_a_canary_on_web_alone_then_deploy_moves_all_three(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _web_canary(workdir)
    before = _revisions(sandbox, workdir, sample.cluster)
    image = f"{sample.repository}:v2"

    canary = cli("--config", CONFIG, "--output", "json", "canary-deploy", "--image", image)

    assert canary.code == 0, canary.output
    assert _revisions(sandbox, workdir, sample.cluster) == before  # the canary runs beside the stable web
    assert _canary_version(sandbox, sample, "shop-web") == "v2"
    assert all(_canary_version(sandbox, sample, n) is None for n in ("shop-worker", "shop-scheduler"))
    assert "leave shop-worker, shop-scheduler as they are" in canary.stdout
    started = client(sandbox, "ecs").list_tasks(cluster=sample.cluster, startedBy="ci-ecs-canary")["taskArns"]
    assert len(started) == 1
    services = json.loads(canary.stdout)["details"]["services"]
    assert "shop-web canary v2" in services and "shop-worker unchanged" in services, services

    deploy = cli("--config", CONFIG, "--output", "json", "deploy", "--image", image)

    assert deploy.code == 0, deploy.output
    after = _revisions(sandbox, workdir, sample.cluster)
    assert all(after[n] != before[n] for n in NAMES), (before, after)
    assert all(_tags(sandbox, sample.cluster, n)["ci-ecs:version"] == "v2" for n in NAMES)
    assert _canary_version(sandbox, sample, "shop-web") is None  # promoted: the canary is gone
    sandbox.wait_idle()
    running = client(sandbox, "ecs").list_tasks(cluster=sample.cluster, startedBy="ci-ecs-canary")["taskArns"]
    assert running == []


@pytest.mark.parametrize("on_failure", ["rollback-all", "keep"])
def test_a_crashing_worker_after_a_web_canary_puts_web_back_first_or_keeps_it(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, on_failure: str
) -> None:
    _web_canary(workdir, web_last=True, on_failure=on_failure)  # listed last, put back first all the same
    before = _revisions(sandbox, workdir, sample.cluster)
    image = f"{sample.repository}:v2-crash-worker"
    assert cli("--config", CONFIG, "canary-deploy", "--image", image).code == 0  # the worker is left alone

    run = cli("--config", CONFIG, "--output", "json", "deploy", "--image", image)

    assert run.code == 1, run.output
    sandbox.wait_idle()
    after = _revisions(sandbox, workdir, sample.cluster)
    assert after["shop-worker"] == before["shop-worker"]
    undone = run.stderr[run.stderr.index("undo: update services") :]
    if on_failure == "rollback-all":
        assert after == before
        assert undone.index("shop-web:") < undone.index("shop-worker:") < undone.index("shop-scheduler:")
    else:
        assert after["shop-web"] != before["shop-web"]
        assert _tags(sandbox, sample.cluster, "shop-web")["ci-ecs:version"] == "v2-crash-worker"
        assert _canary_version(sandbox, sample, "shop-web") is None  # kept on the new version: no canary
        assert "shop-web: kept" in undone


def _taskset_and_worker(workdir: Path) -> str:
    """A config of two services by two techniques: web-ext by task sets (its canary a task set beside
    the primary), shop-worker by rolling update — the taskset sample's keys under web-ext's entry."""
    lines = (workdir / "ci-ecs-taskset.yml").read_text().splitlines()
    start, end = lines.index("canary:"), lines.index("wait:")
    shared = [line for line in lines[:start] + lines[end:] if not line.startswith("service:")]
    services = [
        "services:",
        "  - service: web-ext",
        *(f"    {line}" for line in lines[start:end]),
        "  - service: shop-worker",
        "    container: worker",
    ]
    (workdir / "mixed.yml").write_text("\n".join([*shared, *services]) + "\n")
    return "mixed.yml"


def _primary(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, name: str) -> tuple[str, int]:
    """The service's PRIMARY task set's revision and how many task sets it has."""
    found = client(sandbox, "ecs").describe_services(cluster=sample.cluster, services=[name])["services"][0]
    sets = found.get("taskSets", [])
    primary = next(s for s in sets if s["status"] == "PRIMARY")
    return primary["taskDefinition"].rsplit("/", 1)[-1], len(sets)


def test_a_service_of_task_sets_and_a_rolling_worker_deploy_each_by_its_technique(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = _taskset_and_worker(workdir)
    web, _ = _primary(sandbox, sample, "web-ext")
    worker = _revisions(sandbox, workdir, sample.cluster)["shop-worker"]
    image = f"{sample.repository}:v2"

    canary = cli("--config", config, "canary-deploy", "--image", image)

    assert canary.code == 0, canary.output
    assert _primary(sandbox, sample, "web-ext") == (web, 2)  # the canary's task set beside the primary
    assert _canary_version(sandbox, sample, "web-ext") == "v2"
    assert _revisions(sandbox, workdir, sample.cluster)["shop-worker"] == worker

    deploy = cli("--config", config, "--output", "json", "deploy", "--image", image)

    assert deploy.code == 0, deploy.output
    assert "web-ext: create a full-size task set" in deploy.stderr
    sandbox.wait_idle()  # the other task sets drain
    new_web, sets = _primary(sandbox, sample, "web-ext")
    assert new_web != web and sets == 1
    assert _revisions(sandbox, workdir, sample.cluster)["shop-worker"] != worker
    both = ("web-ext", "shop-worker")
    assert all(_tags(sandbox, sample.cluster, n)["ci-ecs:version"] == "v2" for n in both)
    services = json.loads(deploy.stdout)["details"]["services"]
    assert f"web-ext v2 ({new_web})" in services and "shop-worker v2" in services, services
    moved = _revisions(sandbox, workdir, sample.cluster)["shop-worker"]

    crash = cli("--config", config, "deploy", "--image", f"{sample.repository}:v3-crash-worker")

    assert crash.code == 1, crash.output
    # web-ext completed its deploy before the worker failed: its own rollback puts it back.
    assert crash.stdout.index("undo: web-ext:") < crash.stdout.index("undo: update service shop-worker")
    sandbox.wait_idle()
    assert _primary(sandbox, sample, "web-ext")[0] == new_web
    assert _revisions(sandbox, workdir, sample.cluster)["shop-worker"] == moved
    assert _tags(sandbox, sample.cluster, "web-ext")["ci-ecs:version"] == "v2"


WEST = "us-west-2"
OTHER_ACCOUNT = "arn:aws:iam::210987654321:role/deployer"


def _in(sandbox: sandboxes.Sandbox, service: str, region: str, role: str | None) -> Any:
    """A boto3 client on the sandbox in `region`, as `role` (moto: in the role's account) when given."""
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    factory: Any = boto3.client
    if role is not None:
        sts = factory("sts", endpoint_url=sandbox.endpoint, region_name=region, **keys)
        granted = sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
        keys = {
            "aws_access_key_id": granted["AccessKeyId"],
            "aws_secret_access_key": granted["SecretAccessKey"],
            "aws_session_token": granted["SessionToken"],
        }
    return factory(service, endpoint_url=sandbox.endpoint, region_name=region, **keys)


def _worker_in(sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, region: str, role: str | None) -> None:
    """shop-worker as in the sample (its revision, one task), in cluster demo of another region or
    account."""
    ec2, ecs = _in(sandbox, "ec2", region, role), _in(sandbox, "ecs", region, role)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # for awsvpc tasks
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="shop", Description="shop", VpcId=vpc)["GroupId"]
    live = client(sandbox, "ecs").describe_task_definition(taskDefinition="shop-worker")["taskDefinition"]
    keys = ("family", "containerDefinitions", "requiresCompatibilities", "networkMode", "cpu", "memory")
    ecs.register_task_definition(**{k: live[k] for k in keys if k in live})
    _in(sandbox, "logs", region, role).create_log_group(logGroupName="/ecs/shop-worker")  # a prerequisite
    ecs.create_cluster(clusterName=sample.cluster)
    ecs.create_service(
        cluster=sample.cluster,
        serviceName="shop-worker",
        taskDefinition="shop-worker",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [group],
                "assignPublicIp": "DISABLED",
            }
        },
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )


@pytest.mark.parametrize(("region", "role"), [(WEST, None), (None, OTHER_ACCOUNT)])
def test_a_service_in_another_region_or_account_is_deployed_there_in_the_same_job(
    cli: Any,
    sandbox: sandboxes.Sandbox,
    sample: sandboxes.Sample,
    workdir: Path,
    region: str | None,
    role: str | None,
) -> None:
    _worker_in(sandbox, sample, region or sample.region, role)
    config = workdir / CONFIG
    own = f"    region: {region}\n" if region else f"    role_arn: {role}\n"
    config.write_text(config.read_text().replace("    container: worker\n", "    container: worker\n" + own))
    here = _revisions(sandbox, workdir, sample.cluster)
    sandbox.wait_idle()

    run = cli("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    after = _revisions(sandbox, workdir, sample.cluster)
    assert after["shop-worker"] == here["shop-worker"]  # the job's own region's worker is not in the job
    assert all(after[n] != here[n] for n in ("shop-web", "shop-scheduler"))
    there = _in(sandbox, "ecs", region or sample.region, role)
    (worker,) = there.describe_services(cluster=sample.cluster, services=["shop-worker"], include=["TAGS"])[
        "services"
    ]
    assert worker["taskDefinition"].endswith("shop-worker:2")
    assert {t["key"]: t["value"] for t in worker["tags"]}["ci-ecs:version"] == "v2"
    assert "shop-worker v2" in json.loads(run.stdout)["details"]["services"]


def _revisions_of(ecs: Any, cluster: str) -> str:
    """The task definition shop-worker runs."""
    return str(
        ecs.describe_services(cluster=cluster, services=["shop-worker"])["services"][0]["taskDefinition"]
    )


def test_the_same_service_in_two_regions_is_deployed_in_both_in_one_job(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    _worker_in(sandbox, sample, WEST, None)
    config = workdir / CONFIG
    west = f"  - service: shop-worker\n    container: worker\n    region: {WEST}\n"
    config.write_text(config.read_text().replace("on_failure:", west + "on_failure:", 1))
    sandbox.wait_idle()
    workers = {r: _in(sandbox, "ecs", r, None) for r in (sample.region, WEST)}
    before = {r: _revisions_of(ecs, sample.cluster) for r, ecs in workers.items()}

    run = cli("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 0, run.output
    for region, ecs in workers.items():
        (worker,) = ecs.describe_services(cluster=sample.cluster, services=["shop-worker"], include=["TAGS"])[
            "services"
        ]
        assert worker["taskDefinition"] != before[region], region
        assert {t["key"]: t["value"] for t in worker["tags"]}["ci-ecs:version"] == "v2", region
        assert [d["taskDefinition"] for d in worker["deployments"]] == [worker["taskDefinition"]], region
    assert f"shop-worker ({WEST}): shop-worker:" in run.output  # its inspection, named with its region
    services = json.loads(run.stdout)["details"]["services"]
    assert f"shop-worker ({sample.region}) v2" in services and f"shop-worker ({WEST}) v2" in services, (
        services
    )
    assert client(sandbox, "dynamodb").scan(TableName="ci-ecs-locks")["Items"] == []  # both released
    status = cli("--config", CONFIG, "status")
    assert status.code == 0, status.output
    assert f"service shop-worker (cluster {sample.cluster}, {sample.region})" in status.stdout, status.stdout
    assert f"service shop-worker (cluster {sample.cluster}, {WEST})" in status.stdout, status.stdout

    back = cli("--config", CONFIG, "rollback")

    assert back.code == 0, back.output
    assert {r: _revisions_of(ecs, sample.cluster) for r, ecs in workers.items()} == before
