"""Settings: ci-ecs.yml + CI_ECS_* variables + flags, precedence, environments, unknown and missing keys."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.settings import Settings, WaitSettings, load_settings
from tests.unit.settings.loading import BASE, fails, load

LAYERED = """cluster: main
service: web
region: eu-west-1
environments:
  prod:
    region: eu-west-2
"""


def test_flag_beats_variable_beats_environment_section_beats_file_beats_default(tmp_path: Path) -> None:
    env = {"CI_ECS_REGION": "eu-west-3"}
    everything = load(tmp_path, LAYERED, env=env, flags={"region": "eu-north-1"}, environment="prod")
    assert (everything.region, everything.sources["region"]) == ("eu-north-1", "flag --region")
    no_flag = load(tmp_path, LAYERED, env=env, flags={"region": None}, environment="prod")
    assert (no_flag.region, no_flag.sources["region"]) == ("eu-west-3", "variable CI_ECS_REGION")
    no_variable = load(tmp_path, LAYERED, environment="prod")
    assert no_variable.region == "eu-west-2"
    assert no_variable.sources["region"] == f"environments.prod in {tmp_path / 'ci-ecs.yml'}"
    no_section = load(tmp_path, LAYERED)
    assert (no_section.region, no_section.sources["region"]) == (
        "eu-west-1",
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


def test_without_a_config_file_a_missing_cluster_says_the_file_was_not_found_and_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert fails(tmp_path, None) == (
        f"cluster: missing — no config file: ci-ecs.yml not found in {tmp_path.resolve()} (the working "
        "directory); run where it is, pass --config FILE, or set CI_ECS_CLUSTER or --cluster"
    )


def test_missing_service_is_an_error(tmp_path: Path) -> None:
    assert fails(tmp_path, "cluster: main\n").startswith("service: missing — set `service:` in ")


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
        "defined: production, review/*, staging — once the file has `environments:`, every environment a job "
        "runs for must be listed (by name or a pattern; `qa: {}` takes the top-level keys as they are)"
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


def test_build_needs_no_cluster_or_service(tmp_path: Path) -> None:
    settings = load_settings(None, environment=None, env={}, flags={}, require_service=False)
    assert (settings.cluster, settings.service) == ("", "")


def test_first_poll_may_not_be_longer_than_the_cap(tmp_path: Path) -> None:
    message = fails(tmp_path, flags={"wait.poll_first": "20s"})
    assert message == (
        "wait.poll_first: 20s is longer than wait.poll_cap 15s (from flag --wait-poll-first and default)"
    )


def test_an_unknown_flag_key_is_an_error(tmp_path: Path) -> None:
    assert fails(tmp_path, flags={"colour": "red"}) == "--colour: unknown option"
    assert fails(tmp_path, flags={"switch.overlaps": "60"}) == "--switch-overlaps: unknown option"


def test_flags_that_were_not_given_are_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, flags={"cluster": None, "colour": None}).cluster == "main"
