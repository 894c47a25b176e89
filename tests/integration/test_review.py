"""Review environments end to end on the sandbox: `deploy` in a `review/*` environment, then `stop`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml

from ci_ecs import sandbox as sandboxes
from ci_ecs.review.names import names
from ci_ecs.sandbox.elb.traffic import Traffic
from tests.integration import world
from tests.integration.helpers import aws_json, client, kill_at_every_call, run_killed

CONFIG = "ci-ecs-review.yml"
FEATURE = ("--config", CONFIG, "--environment", "review/Feature_X")
REVIEW = names("web", "feature-x")
IN_GITLAB = {"CI": "true", "GITLAB_CI": "true"}


def _image(sample: sandboxes.Sample, tag: str) -> str:
    return f"{sample.repository}:{tag}"


def _listener(workdir: Path) -> str:
    data = yaml.safe_load((workdir / CONFIG).read_text())
    return str(data["environments"]["review/*"]["review"]["listener"])


def _review_rules(sandbox: sandboxes.Sandbox, workdir: Path, host: str) -> list[dict[str, Any]]:
    """The listener's rules matching `host`, read with the real aws CLI."""
    rules = aws_json(sandbox, workdir, "elbv2", "describe-rules", "--listener-arn", _listener(workdir))[
        "Rules"
    ]
    return [
        rule
        for rule in rules
        if any(host in c.get("HostHeaderConfig", {}).get("Values", []) for c in rule["Conditions"])
    ]


def parts(sandbox: sandboxes.Sandbox, slug: str = "feature-x") -> dict[str, Any]:
    """What exists of a review environment: its service (count, revision, tags), target group and rules."""
    elbv2, ecs = client(sandbox, "elbv2"), client(sandbox, "ecs")
    wanted = names("web", slug)
    found = ecs.describe_services(cluster="demo", services=[wanted.service], include=["TAGS"])["services"]
    service = next((s for s in found if s["status"] == "ACTIVE"), None)
    groups = [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]]
    host = f"{slug}.review.test"
    rules = []
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                if any(host in c.get("HostHeaderConfig", {}).get("Values", []) for c in rule["Conditions"]):
                    forward = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
                    rules.append([g["TargetGroupArn"].split("/")[-2] for g in forward])
    return {
        "service": None
        if service is None
        else {
            "desired": service["desiredCount"],
            "revision": service["taskDefinition"].split("/")[-1],
            "group": service["loadBalancers"][0]["targetGroupArn"].split("/")[-2],
            "tags": {t["key"]: t["value"] for t in service["tags"] if t["key"].startswith("ci-ecs:")},
        },
        "group": wanted.target_group in groups,
        "rules": rules,
    }


def _traffic(sandbox: sandboxes.Sandbox, rule: str, group: str) -> Traffic:
    """The simulated traffic, once the rule and the target group have had some (polled, never timed)."""
    sandbox.reset_traffic()
    for _ in range(400):
        traffic = sandbox.traffic()
        if traffic.by_target_group.get(group) and traffic.by_rule.get(rule):
            return traffic
        time.sleep(0.05)
    return sandbox.traffic()


def test_review_deploy_is_reachable_through_its_rule_and_stop_removes_everything(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, cli: Any
) -> None:
    sandbox.wait_idle()
    before = world.snapshot(sandbox)

    run = cli(*FEATURE, "--output", "json", "deploy", "--image", _image(sample, "v2"), env=IN_GITLAB)
    assert run.code == 0, run.output
    record = json.loads(run.stdout)
    assert (record["service"], record["technique"], record["version"]) == ("web-feature-x", "review", "v2")
    assert record["details"]["url"] == "http://feature-x.review.test/"
    assert "DEPLOY_URL=http://feature-x.review.test/" in (workdir / "ci-ecs.env").read_text()

    service = aws_json(
        sandbox, workdir, "ecs", "describe-services", "--cluster", "demo", "--services", REVIEW.service
    )["services"][0]
    assert (service["status"], service["desiredCount"]) == ("ACTIVE", 1)
    group = service["loadBalancers"][0]["targetGroupArn"]
    assert group.split("/")[-2] == REVIEW.target_group
    (rule,) = _review_rules(sandbox, workdir, "feature-x.review.test")
    assert rule["Priority"] == "1"  # the lowest free one
    assert [g["TargetGroupArn"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]] == [group]

    # The simulated requests of the rule reach the review service's targets, which run v2.
    sandbox.wait_idle()
    traffic = _traffic(sandbox, rule["RuleArn"], group)
    assert traffic.by_rule[rule["RuleArn"]].requests > 0
    assert traffic.by_target_group[group].requests > 0
    assert traffic.share("v2", [group]) == 100.0

    stopped = cli(*FEATURE, "stop")
    assert stopped.code == 0, stopped.output
    sandbox.wait_idle()
    after = world.snapshot(sandbox)
    # Everything but the version's task-definition revision (a later deploy of v2 reuses it) is as before.
    assert after["revisions"] == [*before["revisions"], "web:2"]
    assert {**after, "revisions": None} == {**before, "revisions": None}

    again = cli(*FEATURE, "stop")
    assert again.code == 0, again.output
    assert "review environment feature-x of web is already stopped" in again.output
    assert world.snapshot(sandbox) == after


def test_a_second_deploy_updates_the_environment_in_place(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, cli: Any
) -> None:
    assert cli(*FEATURE, "deploy", "--image", _image(sample, "v2")).code == 0
    first = parts(sandbox)
    (rule,) = _review_rules(sandbox, workdir, "feature-x.review.test")

    run = cli(*FEATURE, "deploy", "--image", _image(sample, "v3"))
    assert run.code == 0, run.output
    assert "previous: v2" in run.output
    second = parts(sandbox)
    assert first["service"]["revision"] != second["service"]["revision"]
    assert second["service"]["tags"]["ci-ecs:version"] == "v3"
    assert {**second, "service": None} == {**first, "service": None}
    assert _review_rules(sandbox, workdir, "feature-x.review.test") == [rule]  # the same rule, unchanged


def test_the_cap_refuses_one_more_environment_naming_it_and_changes_nothing(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, cli: Any
) -> None:
    one = {"CI_ECS_REVIEW_MAX": "1"}
    assert cli(*FEATURE, "deploy", "--image", _image(sample, "v2"), env=one).code == 0
    sandbox.wait_idle()
    before = world.snapshot(sandbox)

    other = ("--config", CONFIG, "--environment", "review/other")
    run = cli(*other, "deploy", "--image", _image(sample, "v2"), env=one)
    assert run.code == 3, run.output
    assert "review.max: web has 1 review environment already (feature-x)" in run.output
    assert world.snapshot(sandbox) == before
    # An environment that exists may always be deployed again.
    assert cli(*FEATURE, "deploy", "--image", _image(sample, "v3"), env=one).code == 0


def test_a_stop_killed_at_every_call_is_finished_by_a_rerun(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    def deploy() -> None:
        done = run_killed(sandbox, workdir, 10**6, *FEATURE, "deploy", "--image", _image(sample, "v2"))
        assert done.returncode == 0, done.stderr
        sandbox.wait_idle()

    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        (*FEATURE, "--output", "json", "stop"),
        (*FEATURE, "stop"),
        lambda _: parts(sandbox),
        thens=("rerun",),
        prepare=deploy,
        after_writes_only=True,
    )


def test_a_deploy_killed_at_every_call_is_finished_by_a_rerun_or_removed_by_stop(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        (*FEATURE, "--output", "json", "deploy", "--image", _image(sample, "v2")),
        (*FEATURE, "stop"),
        lambda _: parts(sandbox),
        after_writes_only=True,
    )


def test_stop_outside_a_review_environment_and_a_canary_in_one_are_refused_changing_nothing(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, cli: Any
) -> None:
    sandbox.wait_idle()
    before = world.snapshot(sandbox)

    production = cli("--config", CONFIG, "--environment", "production", "stop")
    canary = cli(*FEATURE, "canary-deploy", "--image", _image(sample, "v2"))
    rollback = cli(*FEATURE, "rollback")

    assert production.code == 2, production.output
    assert "review.listener: production is not a review environment" in production.output
    for run in (canary, rollback):
        assert run.code == 2, run.output
        assert "review/Feature_X is a review environment: it has `deploy` and `stop` only" in run.output
    assert world.snapshot(sandbox) == before
