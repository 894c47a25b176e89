"""`strategy: switch` for a service behind two load balancers (`switch.routes`): the routes move together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs import sandbox as sandboxes
from tests.integration.helpers import kill_at_every_call
from tests.integration.test_switch import Call, aws_cli, boto

CONFIG = "ci-ecs-switch-routes.yml"
BASE = "web-dual"
FAST = {"CI_ECS_SWITCH_OVERLAP": "0.1"}


def routes(workdir: Path) -> list[tuple[str, str]]:
    """(public rule ARN, preparing rule ARN) of each route, from the sandbox's config."""
    found = yaml.safe_load((workdir / CONFIG).read_text())["switch"]["routes"]
    return [(r["public_rule"], r["preparing_rule"]) for r in found]


def snapshot(call: Call, workdir: Path) -> dict[str, Any]:
    """Each route's rules by target group name, and the web-dual services (count, obsolete, groups)."""
    arns = [arn for pair in routes(workdir) for arn in pair]
    rules = {r["RuleArn"]: r for r in call("elbv2", "describe-rules", rule_arns=arns)["Rules"]}

    def forward(rule: str) -> dict[str, int]:
        groups = rules[rule]["Actions"][0]["ForwardConfig"]["TargetGroups"]
        return {g["TargetGroupArn"].split("/")[-2]: g.get("Weight", 1) for g in groups}

    listed = [a for a in call("ecs", "list-services", cluster="demo")["serviceArns"] if f"/{BASE}-" in a]
    services = (
        call("ecs", "describe-services", cluster="demo", services=listed, include=["TAGS"])["services"]
        if listed
        else []
    )
    groups = [
        g
        for g in call("elbv2", "describe-target-groups")["TargetGroups"]
        if g["TargetGroupName"].startswith(BASE)
    ]
    tagged = (
        call("elbv2", "describe-tags", resource_arns=[g["TargetGroupArn"] for g in groups])["TagDescriptions"]
        if groups
        else []
    )
    return {
        "public": [forward(public) for public, _ in routes(workdir)],
        "preparing": [forward(preparing) for _, preparing in routes(workdir)],
        "services": {
            s["serviceName"]: {
                "desired": s["desiredCount"],
                "obsolete": any(t["key"] == "ci-ecs:obsolete" for t in s.get("tags", [])),
                "groups": [lb["targetGroupArn"].split("/")[-2] for lb in s["loadBalancers"]],
            }
            for s in services
            if s["status"] == "ACTIVE"
        },
        "obsolete_groups": sorted(
            d["ResourceArn"].split("/")[-2]
            for d in tagged
            if any(t["Key"] == "ci-ecs:obsolete" for t in d.get("Tags", []))
        ),
    }


def job(cli: Any, *args: str) -> Any:
    """Run ci-ecs with the two-route switch config."""
    return cli("--config", CONFIG, *args, env=FAST)


def test_canary_deploy_deploy_and_rollback_move_both_load_balancers_together(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    aws = aws_cli(sandbox, workdir)
    before = snapshot(aws, workdir)
    assert before["public"] == [{"web-dual-v1": 1}, {"web-dual-admin-v1": 1}]

    prepared = job(cli, "canary-deploy", "--image", f"{sample.repository}:v2")
    assert prepared.code == 0, prepared.output
    assert (
        "Host: preparing.dual.test" in prepared.output
        and "Host: preparing.admin.dual.test" in prepared.output
    )
    state = snapshot(aws, workdir)
    assert state["public"] == before["public"]
    assert state["preparing"] == [{"web-dual-v2": 1}, {"web-dual-admin-v2": 1}]
    assert state["services"]["web-dual-v2"]["groups"] == ["web-dual-v2", "web-dual-admin-v2"]

    deployed = job(cli, "deploy", "--image", f"{sample.repository}:v2")
    assert deployed.code == 0, deployed.output
    # The old version serves until every public rule has moved: it retires after the last one.
    steps = [line for line in deployed.stdout.splitlines() if line.startswith("==> ")]
    assert steps.index("==> forward the public rules to the new version only") < steps.index(
        "==> retire the old version"
    )
    state = snapshot(aws, workdir)
    assert state["public"] == [{"web-dual-v2": 1}, {"web-dual-admin-v2": 1}]
    assert state["services"]["web-dual-v1"] == {
        "desired": 0,
        "obsolete": True,
        "groups": ["web-dual-v1", "web-dual-admin-v1"],
    }
    assert state["obsolete_groups"] == ["web-dual-admin-v1", "web-dual-v1"]

    back = job(cli, "rollback")
    assert back.code == 0, back.output
    state = snapshot(aws, workdir)
    assert state["public"] == before["public"]
    assert state["preparing"] == [{"web-dual-v1": 1}, {"web-dual-admin-v1": 1}]
    assert state["services"]["web-dual-v1"]["desired"] == 2
    assert state["services"]["web-dual-v2"] == {
        "desired": 0,
        "obsolete": True,
        "groups": ["web-dual-v2", "web-dual-admin-v2"],
    }
    assert state["obsolete_groups"] == ["web-dual-admin-v2", "web-dual-v2"]


def test_routes_listed_out_of_the_service_load_balancers_order_are_refused_before_any_change(
    cli: Any, sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path
) -> None:
    config = workdir / CONFIG
    data = yaml.safe_load(config.read_text())
    data["switch"]["routes"].reverse()
    config.write_text(yaml.safe_dump(data))
    read = boto(sandbox)
    before = snapshot(read, workdir)

    run = job(cli, "deploy", "--image", f"{sample.repository}:v2")

    assert run.code == 3, run.output
    assert "switch.routes: route 1's public rule forwards to web-dual-admin-v1" in run.output
    assert "list the routes in the order of the service's load balancers" in run.output
    assert snapshot(read, workdir) == before


def _stable(state: dict[str, Any]) -> dict[str, Any]:
    """The state judged after a rollback: v2 may be gone, or kept retired (at 0, obsolete)."""
    services = dict(state["services"])
    if services.get("web-dual-v2", {}).get("obsolete") and services["web-dual-v2"]["desired"] == 0:
        del services["web-dual-v2"]
    obsolete = [g for g in state["obsolete_groups"] if not g.endswith("-v2")]
    return {**state, "services": services, "obsolete_groups": obsolete}


def _old_serves_while_routed(state: dict[str, Any]) -> None:
    """Wherever a job stops, v1 keeps its tasks while any public rule still forwards to it."""
    routed = [route for route in state["public"] if "web-dual-v1" in route or "web-dual-admin-v1" in route]
    if routed:
        assert state["services"]["web-dual-v1"] == {
            "desired": 2,
            "obsolete": False,
            "groups": ["web-dual-v1", "web-dual-admin-v1"],
        }, f"v1 retired while {routed} still forward to it"


@pytest.mark.parametrize("then", ["rerun", "rollback"])
def test_killed_two_route_deploy_is_finished_by_rerun_or_undone_by_rollback(
    sandbox: sandboxes.Sandbox, sample: sandboxes.Sample, workdir: Path, then: str
) -> None:
    read = boto(sandbox)
    kill_at_every_call(
        sandbox,
        sample,
        workdir,
        ("--config", CONFIG, "--output", "json", "deploy", "--image", f"{sample.repository}:v2"),
        ("--config", CONFIG, "rollback"),
        lambda _: snapshot(read, workdir),
        thens=(then,),
        extra=FAST,
        after_rollback=_stable,
        killed_state=_old_serves_while_routed,
        # After every call that changes AWS (and the first): a kill after a read leaves what a kill after the
        # write before it leaves, so every step the job can be killed after is still covered in half the runs.
        after_writes_only=True,
    )
