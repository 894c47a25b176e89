"""The settings of the canary, CodeDeploy and switch techniques: defaults, sources and checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_ecs.settings import load_settings
from tests.unit.settings.loading import BASE, fails, load

RULE = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/lb/1/2/"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/"


def test_codedeploy_defaults_name_the_application_and_group_after_cluster_and_service(tmp_path: Path) -> None:
    settings = load(tmp_path, flags={"strategy": "codedeploy"})

    assert settings.codedeploy.application_name(settings.cluster, settings.service) == "AppECS-main-web"
    assert settings.codedeploy.group_name(settings.cluster, settings.service) == "DgpECS-main-web"
    assert settings.codedeploy.config == "CodeDeployDefault.ECSAllAtOnce"


def test_codedeploy_settings_from_file_variables_and_flags(tmp_path: Path) -> None:
    text = BASE + f"strategy: codedeploy\ncodedeploy:\n  target_groups: [{TG}blue/1, {TG}green/2]\n"
    text += "  termination_wait: 2m\n"
    env = {"CI_ECS_CODEDEPLOY_CONFIG": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"}

    settings = load(tmp_path, text, env=env, flags={"codedeploy.ready_wait": "10m"})

    assert settings.codedeploy.target_groups == (f"{TG}blue/1", f"{TG}green/2")
    assert settings.codedeploy.termination_wait == 120
    assert settings.codedeploy.ready_wait == 600
    assert settings.codedeploy.config == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"


def test_codedeploy_target_groups_are_a_pair(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + f"strategy: codedeploy\ncodedeploy:\n  target_groups: [{TG}blue/1]\n")
    assert message.startswith("codedeploy.target_groups: expected two target groups (blue, green), got 1")


def test_switch_needs_its_rules(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "strategy: switch\n")
    assert message.startswith("switch.public_rule: required with strategy switch")


def test_switch_settings_load_with_the_service_as_default_prefix(tmp_path: Path) -> None:
    text = BASE + f"strategy: switch\nswitch:\n  public_rule: {RULE}1\n  preparing_rule: {RULE}2\n"

    settings = load(tmp_path, text, flags={"switch.min_healthy": "2", "switch.overlap": "5s"})

    assert settings.switch.public_rule == f"{RULE}1"
    assert (settings.switch.min_healthy, settings.switch.overlap) == (2, 5)
    assert settings.switch.prefix(settings.service) == "web"


@pytest.mark.parametrize("prefix", ["-web", "web-", "web_sw", "a" * 24, "wéb"])
def test_an_invalid_switch_prefix_is_refused(tmp_path: Path, prefix: str) -> None:
    message = fails(tmp_path, env={"CI_ECS_SWITCH_NAME_PREFIX": prefix})
    assert message.startswith("switch.name_prefix: expected 1-23 letters, digits or hyphens")


def test_a_service_name_unfit_as_switch_prefix_asks_for_one(tmp_path: Path) -> None:
    text = f"cluster: main\nservice: web_app\nstrategy: switch\nswitch:\n  public_rule: {RULE}1\n"
    message = fails(tmp_path, text + f"  preparing_rule: {RULE}2\n")
    assert message.startswith("switch.name_prefix: expected") and "default: the service name" in message


def test_canary_settings_from_file_variables_and_flags(tmp_path: Path) -> None:
    rule = (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
        "listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
    )
    group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-canary/73e2d6bc24d8a067"
    text = (
        BASE + f"canary:\n  mode: taskset\n  scale: 25\n  target_group: {group}\n  listener_rules: [{rule}]\n"
    )
    (tmp_path / "ci-ecs.yml").write_text(text)

    settings = load_settings(
        tmp_path / "ci-ecs.yml",
        environment=None,
        env={"CI_ECS_CANARY_SCALE": "20"},
        flags={"canary.weight": "30"},
    )

    assert settings.canary.mode == "taskset"
    assert (settings.canary.scale, settings.canary.weight) == (20.0, 30)
    assert settings.canary.target_group == group
    assert settings.canary.listener_rules == (rule,)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("canary:\n  mode: blue\n", "canary.mode: 'blue' is not one of: task, service, taskset"),
        ("canary:\n  weight: 150\n", "canary.weight: expected a whole number from 0 to 100, got 150"),
        ("canary:\n  count: 0\n", "canary.count: expected a whole number from 1 to 100, got 0"),
        ("canary:\n  target_group: web\n", "canary.target_group: expected an ARN of a targetgroup/"),
        ("canary:\n  mode: taskset\n", "canary.target_group: required with canary.mode taskset"),
    ],
)
def test_bad_canary_settings_name_the_key(tmp_path: Path, text: str, start: str) -> None:
    assert fails(tmp_path, BASE + text).startswith(start)


ROUTES = f"""strategy: switch
switch:
  routes:
    - public_rule: {RULE}public
      preparing_rule: {RULE}preparing
    - public_rule: {RULE}admin-public
      preparing_rule: {RULE}admin-preparing
      name_prefix: web-admin
"""


def test_switch_routes_give_one_route_a_load_balancer_the_first_prefixed_by_the_service(
    tmp_path: Path,
) -> None:
    routes = load(tmp_path, BASE + ROUTES).switch.all_routes("web")

    assert [(r.public_rule, r.preparing_rule, r.name_prefix) for r in routes] == [
        (f"{RULE}public", f"{RULE}preparing", "web"),
        (f"{RULE}admin-public", f"{RULE}admin-preparing", "web-admin"),
    ]


def test_switch_routes_come_from_a_variable_in_yaml_or_json(tmp_path: Path) -> None:
    routes = f'[{{"public_rule": "{RULE}p", "preparing_rule": "{RULE}q", "name_prefix": "shop"}}]'
    settings = load(tmp_path, BASE + "strategy: switch\n", env={"CI_ECS_SWITCH_ROUTES": routes})

    assert settings.switch.all_routes("web")[0].name_prefix == "shop"


def test_a_single_route_keeps_the_top_level_switch_keys(tmp_path: Path) -> None:
    text = BASE + f"strategy: switch\nswitch:\n  public_rule: {RULE}p\n  preparing_rule: {RULE}q\n"
    (route,) = load(tmp_path, text).switch.all_routes("web")

    assert (route.public_rule, route.preparing_rule, route.name_prefix) == (f"{RULE}p", f"{RULE}q", "web")


@pytest.mark.parametrize(
    ("change", "start"),
    [
        (
            ("      name_prefix: web-admin\n", ""),
            "switch.routes[1].name_prefix: missing (each route's target",
        ),
        (("name_prefix: web-admin", "name_prefix: web"), "switch.routes[1].name_prefix: web is also"),
        (("admin-preparing", "preparing"), "switch.routes[1].preparing_rule: "),
        (("admin-public", "preparing"), "switch.routes[1].public_rule: "),
        (("      name_prefix", "      port: 80\n      name_prefix"), "switch.routes[1]: unknown key 'port'"),
        (
            ("preparing_rule: " + RULE + "preparing", "preparing_rule: nope"),
            "switch.routes[0].preparing_rule:",
        ),
        (
            ("  routes:\n", f"  public_rule: {RULE}x\n  routes:\n"),
            "switch.public_rule: given with switch.routes",
        ),
    ],
)
def test_bad_switch_routes_name_the_route_and_key(
    tmp_path: Path, change: tuple[str, str], start: str
) -> None:
    assert fails(tmp_path, BASE + ROUTES.replace(*change)).startswith(start)


def test_a_preparing_rule_that_is_the_public_rule_is_refused(tmp_path: Path) -> None:
    text = BASE + f"strategy: switch\nswitch:\n  public_rule: {RULE}p\n  preparing_rule: {RULE}p\n"
    assert fails(tmp_path, text).startswith(f"switch.preparing_rule: {RULE}p is also switch.public_rule")


@pytest.mark.parametrize(
    ("text", "env", "flags", "start"),
    [
        (
            "canary:\n  mode: task\n",
            {},
            {"canary.weight": "50"},
            "canary.weight: applies only with canary.mode taskset or strategy switch, but strategy is "
            "rolling and canary.mode is task — remove it (from flag --weight)",
        ),
        (
            "canary:\n  mode: taskset\n  target_group: {tg}web/1\n  listener_rules: [{rule}1]\n",
            {"CI_ECS_CANARY_COUNT": "2"},
            {},
            "canary.count: applies only with canary.mode task or service, but canary.mode is taskset",
        ),
        (
            "canary:\n  service: web-canary\n",
            {},
            {},
            "canary.service: applies only with canary.mode service, but",
        ),
        (
            "canary:\n  count: 2\n",
            {},
            {},
            "canary.count: applies only with canary.mode task or service, but canary.mode is not set",
        ),
        (
            "strategy: switch\ncanary:\n  mode: task\n",
            {},
            {},
            "canary.mode: applies only with strategy rolling",
        ),
        (
            "codedeploy:\n  config: CodeDeployDefault.ECSAllAtOnce\n",
            {},
            {},
            "codedeploy.config: applies only",
        ),
        ("switch:\n  min_healthy: 2\n", {}, {}, "switch.min_healthy: applies only with strategy switch"),
        (
            "strategy: codedeploy\n",
            {},
            {"rolling.circuit_breaker": "false"},
            "rolling.circuit_breaker: applies only with strategy rolling or switch, but strategy is "
            "codedeploy",
        ),
    ],
)
def test_a_key_for_another_technique_or_mode_is_refused_naming_it_and_its_source(
    tmp_path: Path, text: str, env: dict[str, str], flags: dict[str, str], start: str
) -> None:
    message = fails(tmp_path, BASE + text.format(tg=TG, rule=RULE), env=env, flags=flags)
    assert message.startswith(start)


def test_codedeploy_waits_are_at_most_two_days(tmp_path: Path) -> None:
    text = BASE + "strategy: codedeploy\ncodedeploy:\n  termination_wait: 49h\n"
    assert fails(tmp_path, text).startswith(
        "codedeploy.termination_wait: at most 48h (CodeDeploy's limit of 2880 minutes), got '49h'"
    )
    assert load(tmp_path, text.replace("49h", "48h")).codedeploy.termination_wait == 48 * 3600


def test_keys_shared_at_the_top_stay_valid_for_an_environment_that_picks_another_strategy(
    tmp_path: Path,
) -> None:
    text = (
        BASE + "strategy: codedeploy\ncodedeploy:\n  config: CodeDeployDefault.ECSAllAtOnce\n"
        "environments:\n  staging:\n    strategy: rolling\n  production: {}\n"
    )
    assert load(tmp_path, text, environment="staging").strategy == "rolling"
    assert load(tmp_path, text, environment="production").strategy == "codedeploy"


def test_a_key_for_another_technique_in_the_environments_own_section_is_refused(tmp_path: Path) -> None:
    text = BASE + "environments:\n  staging:\n    codedeploy:\n      config: CodeDeployDefault.ECSAllAtOnce\n"
    message = fails(tmp_path, text, environment="staging")
    assert message.startswith("codedeploy.config: applies only with strategy codedeploy")
    assert "(from environments.staging in " in message
