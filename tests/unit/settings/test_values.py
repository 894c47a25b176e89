"""Each kind of value: what it accepts, and errors that name the key, the source and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef
from ci_ecs.settings import CANARY_MODES, WaitSettings, load_settings
from ci_ecs.settings.values import choice, parse_duration
from tests.unit.settings.loading import BASE, fails, load


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
    assert (
        message
        == f"strategy: 'bluegreen' is not one of: rolling, codedeploy, switch, native (from file {where})"
    )


@pytest.mark.parametrize("value", ["0", "0s", "-5"])
def test_durations_must_be_more_than_zero(tmp_path: Path, value: str) -> None:
    assert fails(tmp_path, env={"CI_ECS_WAIT_POLL_CAP": value}).startswith("wait.poll_cap: ")


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


def test_a_choice_returns_the_option_given_and_names_every_option_for_the_reference() -> None:
    mode = choice(CANARY_MODES)
    assert mode(" taskset ", "canary.mode", "flag --canary-mode") == "taskset"
    assert mode.accepts == "`task`, `service` or `taskset`"
    assert CANARY_MODES == ("task", "service", "taskset")


@pytest.mark.parametrize("url", ["https://web.example.com", "http://10.0.0.7:8080/health?x=1"])
def test_url_is_an_http_or_https_address(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, BASE + f"url: '{url}'\n").url == url


@pytest.mark.parametrize(
    "url", ['"https://web.example.com/\\nx"', "ftp://web.example.com", "web.example.com"]
)
def test_url_with_another_scheme_no_host_or_a_newline_is_refused(tmp_path: Path, url: str) -> None:
    message = fails(tmp_path, BASE + f"url: {url}\n")
    assert message.startswith("url: expected an http:// or https:// URL with a host and no spaces")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("region: mars\n", "region: expected an AWS region like `us-east-1`, got 'mars'"),
        ("cluster: de mo\nservice: web\n", "cluster: expected a name of up to 255 letters"),
        ("cluster: demo\nservice: web/app\n", "service: expected a name of up to 255 letters"),
        (BASE + "lock:\n  table: my locks\n", "lock.table: expected a DynamoDB table name"),
    ],
)
def test_names_aws_would_refuse_are_refused_first(tmp_path: Path, text: str, start: str) -> None:
    assert fails(tmp_path, text).startswith(start)


def test_region_cluster_and_service_in_every_form_aws_takes(tmp_path: Path) -> None:
    arn = "arn:aws:ecs:us-gov-west-1:123456789012:cluster/prod_1"
    settings = load(tmp_path, f"region: us-gov-west-1\ncluster: {arn}\nservice: web_app-2\n")
    assert (settings.region, settings.cluster, settings.service) == ("us-gov-west-1", arn, "web_app-2")
