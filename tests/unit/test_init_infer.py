"""What `ci-ecs init` concludes from a service as ECS and ELB describe it, and the file it drafts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_ecs.errors import ConfigError, PreconditionError
from ci_ecs.init import FilesExist, forge_of, infer, refuse_existing, validate
from ci_ecs.init.draft import Draft, scalar
from ci_ecs.init.infer import Rule

TG = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/{}/0"
RULE = "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/lb/1/2/{}"


def _service(controller: str = "ECS", strategy: str | None = None, **more: Any) -> dict[str, Any]:
    configuration = {"strategy": strategy} if strategy else {}
    return {
        "serviceName": "web",
        "deploymentController": {"type": controller},
        "deploymentConfiguration": configuration,
        **more,
    }


@pytest.mark.parametrize(
    ("controller", "strategy", "expected"),
    [
        ("ECS", None, "rolling"),
        ("ECS", "ROLLING", "rolling"),
        ("EXTERNAL", None, "taskset"),
        ("CODE_DEPLOY", None, "codedeploy"),
        ("ECS", "BLUE_GREEN", "native"),
        ("ECS", "LINEAR", "native"),
        ("ECS", "CANARY", "native"),
    ],
)
def test_the_technique_follows_the_controller_and_strategy(
    controller: str, strategy: str | None, expected: str
) -> None:
    assert infer.technique(_service(controller, strategy), None, None)[0] == expected


def test_a_tagged_version_of_a_family_is_a_switch() -> None:
    service = {**_service(), "serviceName": "shop-v7"}

    base = infer.switch_base(service, "v7")

    assert base == "shop"
    assert infer.technique(service, None, base)[0] == "switch"
    assert infer.switch_base(service, None) is None
    assert infer.switch_base(service, "v8") is None


def test_an_asked_technique_must_fit_the_controller() -> None:
    assert infer.technique(_service(), "task", None) == ("task", "as asked (--technique task)")
    with pytest.raises(ConfigError, match="EXTERNAL deployment controller"):
        infer.technique(_service(), "taskset", None)
    with pytest.raises(ConfigError, match="BLUE_GREEN, LINEAR or CANARY"):
        infer.technique(_service(), "native", None)


def _definition(*containers: tuple[str, bool]) -> dict[str, Any]:
    return {"containerDefinitions": [{"name": n, "essential": e, "image": "r/x:1"} for n, e in containers]}


def test_the_container_is_the_essential_one_or_the_one_behind_the_load_balancer() -> None:
    assert infer.container(_definition(("app", True), ("log", False)), None, {})[0] == "app"
    behind = {"loadBalancers": [{"containerName": "app", "targetGroupArn": TG.format("a")}]}
    assert infer.container(_definition(("app", True), ("proxy", True)), None, behind)[0] == "app"
    with pytest.raises(ConfigError, match=r"--container: .* 2 essential containers"):
        infer.container(_definition(("app", True), ("proxy", True)), None, {})
    with pytest.raises(ConfigError, match="no container nope"):
        infer.container(_definition(("app", True)), "nope", {})


def _forward(*groups: tuple[str, int]) -> tuple[dict[str, Any], ...]:
    targets = [{"TargetGroupArn": TG.format(g), "Weight": w} for g, w in groups]
    return ({"Type": "forward", "ForwardConfig": {"TargetGroups": targets}},)


def test_the_canary_target_group_is_the_one_weighted_beside_the_primary() -> None:
    rules = [
        Rule(RULE.format("a"), "10", _forward(("primary", 100), ("canary", 0))),
        Rule(RULE.format("b"), "20", _forward(("other", 1))),
        Rule("arn:listener", "default", _forward(("primary", 100), ("canary", 0))),
    ]

    assert infer.weighted_rules(TG.format("primary"), rules) == (
        TG.format("canary"),
        [RULE.format("a"), "arn:listener"],
    )
    with pytest.raises(PreconditionError, match=r"canary\.target_group"):
        infer.weighted_rules(TG.format("primary"), rules[1:2])


def _host(name: str) -> tuple[dict[str, Any], ...]:
    return ({"Field": "host-header", "HostHeaderConfig": {"Values": [name]}},)


def test_the_switch_routes_preparing_rule_is_named_so_else_the_later_one() -> None:
    group = TG.format("shop-v1")
    named = [
        Rule(RULE.format("p"), "5", _forward(("shop-v1", 1)), _host("preparing.shop.test")),
        Rule(RULE.format("u"), "9", _forward(("shop-v1", 1)), _host("shop.test")),
    ]
    unnamed = [
        Rule(RULE.format("2"), "20", _forward(("shop-v1", 1)), _host("b.test")),
        Rule(RULE.format("1"), "10", _forward(("shop-v1", 1)), _host("a.test")),
    ]

    assert infer.switch_route(group, named) == (RULE.format("u"), RULE.format("p"))
    assert infer.switch_route(group, unnamed) == (RULE.format("1"), RULE.format("2"))
    with pytest.raises(PreconditionError, match="a switch needs two"):
        infer.switch_route(group, named[:1])
    assert infer.name_prefix(group, "v1") == "shop"


def test_green_is_the_one_unused_target_group_like_blue() -> None:
    def group(name: str, port: int = 80, used: bool = False) -> dict[str, Any]:
        return {
            "TargetGroupArn": TG.format(name),
            "TargetGroupName": name,
            "VpcId": "vpc-1",
            "Protocol": "HTTP",
            "Port": port,
            "TargetType": "ip",
            "LoadBalancerArns": ["lb"] if used else [],
        }

    blue = group("app-blue", used=True)

    assert infer.green_group(blue, [blue, group("app-green"), group("spare")]) == TG.format("app-green")
    assert infer.green_group(blue, [blue, group("spare"), group("other", port=81)]) == TG.format("spare")
    assert infer.green_group(blue, [blue, group("a"), group("b")]) is None


def test_native_entries_are_the_services_own_settings() -> None:
    configuration = {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": 5,
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1},
        "canaryConfiguration": {"canaryPercent": 5.0},
        "alarms": {"alarmNames": ["5xx"]},
    }

    assert [(k, v) for k, v, _ in infer.native_entries(configuration)] == [
        ("native.type", "linear"),
        ("native.bake_minutes", 5),
        ("native.step_percent", 25),
        ("native.step_bake_minutes", 1),
        ("native.alarms", ["5xx"]),
    ]


def test_the_draft_is_yaml_with_a_comment_above_each_key_that_says_why() -> None:
    draft = Draft("web", "prod", "eu-west-1", "switch", "why")
    draft.add("cluster", "prod")
    draft.add("strategy", "switch", "a version of web")
    routes = [{"public_rule": "arn:a:b", "preparing_rule": "arn:c:d", "name_prefix": "web"}]
    draft.add("switch.routes", routes, "one per load balancer")
    draft.add("switch.overlap", 60, "left", commented=True)

    text = draft.text("header\n")

    assert yaml.safe_load(text) == {"cluster": "prod", "strategy": "switch", "switch": {"routes": routes}}
    assert text.splitlines()[:4] == ["# header", "cluster: prod", "# a version of web", "strategy: switch"]
    assert "  # overlap: 60" in text


@pytest.mark.parametrize(
    ("value", "shown"),
    [("web", "web"), ("yes", '"yes"'), ("1.5", '"1.5"'), ("a: b", '"a: b"'), (True, "true"), (2.5, "2.5")],
)
def test_scalars_that_yaml_would_read_otherwise_are_quoted(value: Any, shown: str) -> None:
    assert scalar(value) == shown
    assert yaml.safe_load(f"k: {scalar(value)}")["k"] == value


def test_the_forge_is_asked_else_the_ci_else_the_git_remote(tmp_path: Path) -> None:
    assert forge_of("github", {"GITLAB_CI": "true"}, tmp_path) == "github"
    assert forge_of(None, {"GITLAB_CI": "true"}, tmp_path) == "gitlab"
    assert forge_of(None, {"GITHUB_ACTIONS": "true"}, tmp_path) == "github"
    with pytest.raises(ConfigError, match="--forge"):
        forge_of(None, {}, tmp_path)
    with pytest.raises(ConfigError, match="not a forge"):
        forge_of("bitbucket", {}, tmp_path)


def test_existing_files_are_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "ci-ecs.yml").write_text("x")
    paths = [tmp_path / "ci-ecs.yml", tmp_path / ".gitlab-ci.yml"]

    with pytest.raises(FilesExist, match=r"ci-ecs\.yml already exists — nothing was written"):
        refuse_existing(paths, force=False)
    refuse_existing(paths, force=True)


def test_a_draft_the_settings_loader_refuses_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="strategy"):
        validate("cluster: c\nservice: s\nstrategy: sideways\n", tmp_path / "ci-ecs.yml")
    assert list(tmp_path.iterdir()) == []
