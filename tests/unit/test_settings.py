"""Settings: ci-ecs.yml + CI_ECS_* variables + flags, precedence, environments, and every error message."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest

from ci_ecs.config_values import parse_duration
from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef
from ci_ecs.settings import Settings, WaitSettings, flag_name, load_settings, variable_name

BASE = "cluster: main\nservice: web\n"


def load(
    tmp_path: Path,
    text: str | None = BASE,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, object] | None = None,
    environment: str | None = None,
) -> Settings:
    """Settings from a ci-ecs.yml holding `text` (no file when None), in tmp_path as the working directory."""
    path = None
    if text is not None:
        path = tmp_path / "ci-ecs.yml"
        path.write_text(text)
    return load_settings(path, environment=environment, env=env or {}, flags=flags or {})


def fails(tmp_path: Path, text: str | None = BASE, **kwargs: object) -> str:
    """The one-line message of the ConfigError (exit 2) that loading raises."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message
    return message


LAYERED = """cluster: main
service: web
region: from-file
environments:
  prod:
    region: from-section
"""


def test_flag_beats_variable_beats_environment_section_beats_file_beats_default(tmp_path: Path) -> None:
    env = {"CI_ECS_REGION": "from-variable"}
    everything = load(tmp_path, LAYERED, env=env, flags={"region": "from-flag"}, environment="prod")
    assert (everything.region, everything.sources["region"]) == ("from-flag", "flag --region")
    no_flag = load(tmp_path, LAYERED, env=env, flags={"region": None}, environment="prod")
    assert (no_flag.region, no_flag.sources["region"]) == ("from-variable", "variable CI_ECS_REGION")
    no_variable = load(tmp_path, LAYERED, environment="prod")
    assert no_variable.region == "from-section"
    assert no_variable.sources["region"] == f"environments.prod in {tmp_path / 'ci-ecs.yml'}"
    no_section = load(tmp_path, LAYERED)
    assert (no_section.region, no_section.sources["region"]) == (
        "from-file",
        f"file {tmp_path / 'ci-ecs.yml'}",
    )
    nothing = load(tmp_path, BASE)
    assert (nothing.region, nothing.sources["region"]) == (None, "default")


def test_defaults_when_nothing_sets_a_key(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings == Settings(cluster="main", service="web")
    assert settings.wait == WaitSettings(timeout=900.0, poll_first=2.0, poll_cap=15.0)
    assert (settings.strategy, settings.circuit_breaker, settings.container) == ("rolling", True, ())
    assert settings.sources["wait.timeout"] == "default"


def test_nested_keys_come_from_file_variables_and_flags(tmp_path: Path) -> None:
    text = BASE + "wait:\n  timeout: 15m\nrolling:\n  circuit_breaker: true\n"
    env = {"CI_ECS_WAIT_POLL_CAP": "30", "CI_ECS_ROLLING_CIRCUIT_BREAKER": "no"}
    settings = load(tmp_path, text, env=env, flags={"wait.poll_first": "5s"})
    assert settings.wait == WaitSettings(timeout=900.0, poll_first=5.0, poll_cap=30.0)
    assert settings.circuit_breaker is False
    assert settings.sources["wait.poll_first"] == "flag --wait-poll-first"
    assert settings.sources["rolling.circuit_breaker"] == "variable CI_ECS_ROLLING_CIRCUIT_BREAKER"


def test_settings_are_frozen(tmp_path: Path) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        load(tmp_path).cluster = "other"  # type: ignore[misc]


def test_ci_ecs_yml_in_the_working_directory_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ci-ecs.yml").write_text(BASE)
    settings = load_settings(None, environment=None, env={}, flags={})
    assert settings.cluster == "main"
    assert settings.sources["cluster"] == "file ci-ecs.yml"


def test_without_a_file_everything_comes_from_variables_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environment=None, env={"CI_ECS_CLUSTER": "c"}, flags={"service": "s"})
    assert (settings.cluster, settings.service) == ("c", "s")


def test_an_explicit_config_file_that_does_not_exist_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yml") as caught:
        load_settings(tmp_path / "nope.yml", environment=None, env={}, flags={})
    assert caught.value.exit_code == 2


def test_an_empty_file_is_fine(tmp_path: Path) -> None:
    settings = load(tmp_path, "", env={"CI_ECS_CLUSTER": "c", "CI_ECS_SERVICE": "s"})
    assert settings.cluster == "c"


def test_empty_variables_count_as_not_set(tmp_path: Path) -> None:
    settings = load(
        tmp_path, BASE + "region: eu-west-1\n", env={"CI_ECS_REGION": "", "CI_ECS_WAIT_TIMEOUT": " "}
    )
    assert settings.region == "eu-west-1"
    assert settings.wait.timeout == 900.0


def test_unknown_and_misspelt_ci_ecs_variables_are_ignored(tmp_path: Path) -> None:
    env = {"CI_ECS_SANDBOX_TICK": "0.1", "CI_ECS_GITLAB_TOKEN": "glpat-x", "CI_ECS_CLUSTR": "typo"}
    assert load(tmp_path, env=env).cluster == "main"


def test_missing_cluster_says_where_to_set_it_and_spots_a_misspelt_variable(tmp_path: Path) -> None:
    assert fails(tmp_path, "service: web\n") == (
        "cluster: missing — set `cluster:` in "
        + str(tmp_path / "ci-ecs.yml")
        + ", CI_ECS_CLUSTER or --cluster"
    )
    assert "CI_ECS_CLUSTR is set" in fails(tmp_path, "service: web\n", env={"CI_ECS_CLUSTR": "x"})


def test_missing_service_is_an_error(tmp_path: Path) -> None:
    assert fails(tmp_path, "cluster: main\n").startswith("service: missing — set `service:` in ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("web", ("web",)), ("web, envoy", ("web", "envoy")), (["web", "envoy"], ("web", "envoy")), ([], ())],
)
def test_container_is_a_name_a_list_or_comma_separated(
    tmp_path: Path, value: object, expected: tuple[str, ...]
) -> None:
    assert load(tmp_path, flags={"container": value}).container == expected


def test_container_list_from_the_file_and_a_variable(tmp_path: Path) -> None:
    assert load(tmp_path, BASE + "container: [web, envoy]\n").container == ("web", "envoy")
    assert load(tmp_path, env={"CI_ECS_CONTAINER": "a,b"}).container == ("a", "b")


def test_image_is_parsed_into_repository_tag_and_digest(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    settings = load(tmp_path, BASE + f"image: registry.example.com:5000/shop/web:v1@{digest}\n")
    assert settings.image == ImageRef("registry.example.com:5000/shop/web", "v1", digest)


def test_task_definition_is_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "td.yml.j2").write_text("family: web\n")
    (tmp_path / "deploy" / "ci-ecs.yml").write_text(BASE + "task_definition: td.yml.j2\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("deploy/ci-ecs.yml"), environment=None, env={}, flags={})
    assert settings.task_definition == Path("deploy/td.yml.j2")
    from_flag = load_settings(
        Path("deploy/ci-ecs.yml"), environment=None, env={}, flags={"task_definition": "deploy/td.yml.j2"}
    )
    assert from_flag.task_definition == Path("deploy/td.yml.j2")


def test_a_task_definition_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "task_definition: td.yml.j2\n")
    assert message.startswith("task_definition: ") and "td.yml.j2 not found (from file " in message


ENVIRONMENTS = """cluster: main
service: web
environments:
  production:
    cluster: prod
  review/*:
    cluster: review
  staging:
"""


def test_ci_environment_name_selects_the_section(tmp_path: Path) -> None:
    settings = load(tmp_path, ENVIRONMENTS, env={"CI_ENVIRONMENT_NAME": "production"})
    assert (settings.cluster, settings.environment) == ("prod", "production")
    assert settings.sources["environment"] == "variable CI_ENVIRONMENT_NAME"


def test_the_environment_option_beats_ci_environment_name(tmp_path: Path) -> None:
    settings = load(tmp_path, ENVIRONMENTS, env={"CI_ENVIRONMENT_NAME": "production"}, environment="staging")
    assert (settings.cluster, settings.environment) == ("main", "staging")
    assert settings.sources["environment"] == "flag --environment"


def test_a_gitlab_review_environment_matches_a_pattern_section(tmp_path: Path) -> None:
    settings = load(tmp_path, ENVIRONMENTS, env={"CI_ENVIRONMENT_NAME": "review/feature-x"})
    assert settings.cluster == "review"


def test_an_environment_missing_from_the_environments_map_is_an_error_listing_them(tmp_path: Path) -> None:
    message = fails(tmp_path, ENVIRONMENTS, env={"CI_ENVIRONMENT_NAME": "qa"})
    assert message == (
        f"environments: no entry for 'qa' (from variable CI_ENVIRONMENT_NAME) in {tmp_path / 'ci-ecs.yml'}; "
        "defined: production, review/*, staging"
    )


def test_an_environment_name_without_an_environments_map_is_fine(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"CI_ENVIRONMENT_NAME": "production"})
    assert (settings.cluster, settings.environment) == ("main", "production")


def test_every_environment_section_is_checked_even_when_not_in_effect(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "environments:\n  prod:\n    clustr: x\n")
    assert message == (
        f"unknown key 'environments.prod.clustr' in {tmp_path / 'ci-ecs.yml'} — "
        "did you mean 'environments.prod.cluster'?"
    )


def test_unknown_key_names_the_key_and_file_and_suggests_the_closest(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "clustr: main\n")
    assert message == f"unknown key 'clustr' in {tmp_path / 'ci-ecs.yml'} — did you mean 'cluster'?"


def test_unknown_nested_key_is_named_in_full(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "wait:\n  timout: 5m\n")
    assert "unknown key 'wait.timout'" in message and "did you mean 'wait.timeout'?" in message


def test_unknown_key_without_a_close_match_has_no_suggestion(tmp_path: Path) -> None:
    assert "did you mean" not in fails(tmp_path, BASE + "zzzzzz: 1\n")


@pytest.mark.parametrize("key", ["codedeploy", "switch"])
def test_an_unknown_key_inside_a_technique_group_is_named(tmp_path: Path, key: str) -> None:
    message = fails(tmp_path, BASE + f"{key}:\n  mode: task\n")
    assert message.startswith(f"unknown key '{key}.mode'")


@pytest.mark.parametrize("source", ["file", "variable"])
def test_forge_is_one_of_auto_gitlab_github_none(tmp_path: Path, source: str) -> None:
    (tmp_path / "ci-ecs.yml").write_text(BASE + ("forge: bitbucket\n" if source == "file" else ""))
    env = {"CI_ECS_FORGE": "bitbucket"} if source == "variable" else {}
    with pytest.raises(ConfigError, match=r"^forge: 'bitbucket' is not one of: auto, gitlab, github, none"):
        load_settings(tmp_path / "ci-ecs.yml", environment=None, env=env, flags={})
    (tmp_path / "ci-ecs.yml").write_text(BASE)
    assert load_settings(tmp_path / "ci-ecs.yml", environment=None, env={}, flags={}).forge == "auto"
    assert (
        load_settings(tmp_path / "ci-ecs.yml", environment=None, env={"CI_ECS_FORGE": "none"}, flags={}).forge
        == "none"
    )


def test_a_group_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "wait: 5\n")
    assert message.startswith(
        "wait: expected a mapping of wait.timeout, wait.poll_first, wait.poll_cap, got 5"
    )


def test_environments_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    assert fails(tmp_path, BASE + "environments: [prod]\n").startswith("environments: expected a mapping")
    assert fails(tmp_path, BASE + "environments:\n  prod: 3\n").startswith(
        "environments.prod: expected a mapping"
    )


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "wait: [\n")
    assert message.startswith(f"{tmp_path / 'ci-ecs.yml'}:4:1: invalid YAML: ")


def test_duplicate_key_is_an_error_naming_the_line(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "cluster: other\n")
    assert message == f"{tmp_path / 'ci-ecs.yml'}:3:1: invalid YAML: duplicate key 'cluster'"


def test_top_level_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    assert "expected a mapping of keys at the top" in fails(tmp_path, "- cluster\n")


def test_wrong_type_names_the_key_the_source_the_expected_type_and_the_value(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "wait:\n  timeout: [1]\n")
    assert message == (
        "wait.timeout: expected a number of seconds or a duration like 90s, 15m or 2m30s, got [1] "
        f"(from file {tmp_path / 'ci-ecs.yml'})"
    )
    assert fails(tmp_path, "cluster: 2024\nservice: web\n").startswith(
        "cluster: expected a non-empty string, got 2024"
    )


def test_a_bad_boolean_variable_is_named(tmp_path: Path) -> None:
    message = fails(tmp_path, env={"CI_ECS_ROLLING_CIRCUIT_BREAKER": "maybe"})
    assert message == (
        "rolling.circuit_breaker: expected true or false (or yes/no, 1/0), got 'maybe' "
        "(from variable CI_ECS_ROLLING_CIRCUIT_BREAKER)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("YES", True), ("1", True), ("False", False), ("no", False), ("0", False)],
)
def test_boolean_spellings(tmp_path: Path, text: str, expected: bool) -> None:
    assert load(tmp_path, env={"CI_ECS_ROLLING_CIRCUIT_BREAKER": text}).circuit_breaker is expected


def test_a_bad_duration_flag_names_the_flag(tmp_path: Path) -> None:
    message = fails(tmp_path, flags={"wait.timeout": "soon"})
    assert message.endswith("got 'soon' (from flag --timeout)")


def test_a_secret_looking_value_is_never_echoed(tmp_path: Path) -> None:
    message = fails(tmp_path, env={"CI_ECS_WAIT_TIMEOUT": "postgres://app:pa55word@db/x"})
    assert "pa55word" not in message and "got **** (from variable CI_ECS_WAIT_TIMEOUT)" in message


def test_an_unknown_strategy_lists_the_allowed_ones(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "strategy: bluegreen\n")
    where = tmp_path / "ci-ecs.yml"
    assert message == f"strategy: 'bluegreen' is not one of: rolling, codedeploy, switch (from file {where})"


RULE = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/lb/1/2/"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/"


def test_codedeploy_defaults_name_the_application_and_group_after_cluster_and_service(tmp_path: Path) -> None:
    settings = load(tmp_path, flags={"strategy": "codedeploy"})

    assert settings.codedeploy.application_name(settings.cluster, settings.service) == "AppECS-main-web"
    assert settings.codedeploy.group_name(settings.cluster, settings.service) == "DgpECS-main-web"
    assert settings.codedeploy.config == "CodeDeployDefault.ECSAllAtOnce"


def test_codedeploy_settings_from_file_variables_and_flags(tmp_path: Path) -> None:
    text = BASE + f"codedeploy:\n  target_groups: [{TG}blue/1, {TG}green/2]\n  termination_wait: 2m\n"
    env = {"CI_ECS_CODEDEPLOY_CONFIG": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"}

    settings = load(tmp_path, text, env=env, flags={"codedeploy.ready_wait": "10m"})

    assert settings.codedeploy.target_groups == (f"{TG}blue/1", f"{TG}green/2")
    assert settings.codedeploy.termination_wait == 120
    assert settings.codedeploy.ready_wait == 600
    assert settings.codedeploy.config == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"


def test_codedeploy_target_groups_are_a_pair(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + f"codedeploy:\n  target_groups: [{TG}blue/1]\n")
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


def test_build_needs_no_cluster_or_service(tmp_path: Path) -> None:
    settings = load_settings(None, environment=None, env={}, flags={}, require_service=False)
    assert (settings.cluster, settings.service) == ("", "")


@pytest.mark.parametrize("value", ["0", "0s", "-5"])
def test_durations_must_be_more_than_zero(tmp_path: Path, value: str) -> None:
    assert fails(tmp_path, env={"CI_ECS_WAIT_POLL_CAP": value}).startswith("wait.poll_cap: ")


def test_first_poll_may_not_be_longer_than_the_cap(tmp_path: Path) -> None:
    message = fails(tmp_path, flags={"wait.poll_first": "20s"})
    assert message == (
        "wait.poll_first: 20s is longer than wait.poll_cap 15s (from flag --wait-poll-first and default)"
    )


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("Shop/Web:v1", "must be lowercase"),
        ("shop web:v1", "not a valid repository"),
        ("web:bad tag", "is not valid"),
        ("web@sha256:abc", "digest"),
        (":v1", "the repository is empty"),
    ],
)
def test_an_invalid_image_reference_is_an_error(tmp_path: Path, image: str, problem: str) -> None:
    message = fails(tmp_path, flags={"image": image})
    assert message.startswith(f"image: {image!r} is not an image reference: ") and problem in message
    assert message.endswith("(from flag --image)")


def test_an_unknown_flag_key_is_an_error(tmp_path: Path) -> None:
    assert fails(tmp_path, flags={"colour": "red"}) == "--colour: unknown option"
    assert fails(tmp_path, flags={"switch.overlaps": "60"}) == "--switch-overlaps: unknown option"


def test_flags_that_were_not_given_are_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, flags={"cluster": None, "colour": None}).cluster == "main"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("1.5", 1.5),
        ("90s", 90),
        ("15m", 900),
        ("2m30s", 150),
        ("1h", 3600),
        ("1.5m", 90),
        (" 2m 30s ", 150),
    ],
)
def test_duration_parsing(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "m", "5 minutes", "-5", "1d"])
def test_duration_parsing_refuses_other_text(text: str) -> None:
    assert parse_duration(text) is None


def test_durations_in_the_file_may_be_numbers_or_text(tmp_path: Path) -> None:
    settings = load(tmp_path, BASE + "wait:\n  timeout: 600\n  poll_first: 1.5\n  poll_cap: 1m\n")
    assert settings.wait == WaitSettings(600.0, 1.5, 60.0)


def test_variable_and_flag_names_follow_the_key() -> None:
    assert variable_name("wait.poll_first") == "CI_ECS_WAIT_POLL_FIRST"
    assert variable_name("task_definition") == "CI_ECS_TASK_DEFINITION"
    assert flag_name("wait.poll_first") == "--wait-poll-first"
    assert flag_name("task_definition") == "--task-definition"


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
        env={"CI_ECS_CANARY_COUNT": "2"},
        flags={"canary.weight": "30"},
    )

    assert settings.canary.mode == "taskset"
    assert (settings.canary.scale, settings.canary.weight, settings.canary.count) == (25.0, 30, 2)
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
