"""Task definitions: templates, the live revision with a new image, tags, validation, diffs and redaction."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.model import ImageRef, Release
from ci_ecs.render import (
    diff,
    from_live,
    looks_secret,
    redact_task_definition,
    registerable,
    render_template,
    validate,
)

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "describe_task_definition.json").read_text())
LIVE: dict[str, Any] = FIXTURE["taskDefinition"]
LIVE_TAGS: list[dict[str, str]] = FIXTURE["tags"]
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web"
SHA = "0f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
RELEASE = Release(ImageRef(REPO, "v2"), "v2", SHA, "https://gitlab.example.com/shop/web/-/pipelines/4242")
READ_ONLY = {
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
}
TEMPLATE = """family: web
cpu: "256"
memory: "512"
containerDefinitions:
  - name: web
    image: {{ image }}
    environment:
      - {name: VERSION, value: "{{ version }}"}
      - {name: COMMIT, value: "{{ commit }}"}
      - {name: REPOSITORY, value: "{{ repository }}"}
      - {name: REGION, value: "{{ env('AWS_REGION', 'eu-west-1') }}"}
      - {name: UNSET, value: "{{ env('NOT_SET') }}"}
      - {name: FEATURE, value: "{{ must_env('FEATURE_FLAG') }}"}
"""


def config_error(call: Any, *args: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    assert caught.value.exit_code == 2
    return str(caught.value)


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path / name


def environment_of(td: dict[str, Any], container: int = 0) -> dict[str, str]:
    return {e["name"]: e["value"] for e in td["containerDefinitions"][container]["environment"]}


def test_template_gets_image_version_commit_repository_and_env_helpers(tmp_path: Path) -> None:
    td = render_template(write(tmp_path, "td.yml.j2", TEMPLATE), RELEASE, {"FEATURE_FLAG": "on"})
    assert td["containerDefinitions"][0]["image"] == f"{REPO}:v2"
    assert environment_of(td) == {
        "VERSION": "v2",
        "COMMIT": SHA,
        "REPOSITORY": REPO,
        "REGION": "eu-west-1",
        "UNSET": "",
        "FEATURE": "on",
    }


def test_template_image_is_by_digest_when_the_release_is_pinned(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    pinned = Release(ImageRef(REPO, "v2", digest), "v2")
    td = render_template(write(tmp_path, "td.yml.j2", TEMPLATE), pinned, {"FEATURE_FLAG": "on"})
    assert td["containerDefinitions"][0]["image"] == f"{REPO}@{digest}"
    assert environment_of(td)["COMMIT"] == ""


def test_template_may_include_files_beside_it(tmp_path: Path) -> None:
    write(tmp_path, "web.yml.j2", "  - name: web\n    image: {{ image }}\n")
    path = write(tmp_path, "td.yml.j2", "family: web\ncontainerDefinitions:\n{% include 'web.yml.j2' %}\n")
    assert render_template(path, RELEASE, {})["containerDefinitions"] == [
        {"name": "web", "image": f"{REPO}:v2"}
    ]


def test_template_may_be_json(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "td.json.j2",
        '{"family": "web", "containerDefinitions": [{"name": "web", "image": "{{ image }}"}]}',
    )
    assert render_template(path, RELEASE, {})["family"] == "web"


def test_undefined_variable_names_the_variable_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "web.yml.j2", "  - name: web\n    image: {{ imgae }}\n")
    path = write(tmp_path, "td.yml.j2", "family: web\ncontainerDefinitions:\n{% include 'web.yml.j2' %}\n")
    message = config_error(render_template, path, RELEASE, {})
    assert (
        message == f"task_definition: {tmp_path / 'web.yml.j2'}:2: undefined variable: 'imgae' is undefined"
    )


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "td.yml.j2", "family: web\ncontainerDefinitions:\n  - image: {{ image }\n")
    message = config_error(render_template, path, RELEASE, {})
    assert message.startswith(f"task_definition: {path}:3: ")


def test_must_env_names_the_variable_and_the_template(tmp_path: Path) -> None:
    path = write(tmp_path, "td.yml.j2", TEMPLATE)
    message = config_error(render_template, path, RELEASE, {})
    assert message == f"task_definition: {path}:13: must_env: variable FEATURE_FLAG is not set"


def test_a_missing_include_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "td.yml.j2", "family: web\n{% include 'nope.j2' %}\n")
    assert "template 'nope.j2' not found" in config_error(render_template, path, RELEASE, {})


def test_rendered_text_that_is_not_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "td.yml.j2", "family: web\ncontainerDefinitions: [\n")
    message = config_error(render_template, path, RELEASE, {})
    assert message.startswith(f"task_definition: {path} (as rendered):3:1: invalid YAML: ")


def test_rendered_text_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "td.yml.j2", "- family\n")
    assert (
        config_error(render_template, path, RELEASE, {})
        == f"task_definition: {path}: expected a mapping, got list"
    )


def test_a_saved_describe_output_is_unwrapped_and_its_read_only_fields_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "td.json", json.dumps(FIXTURE))
    td = render_template(path, RELEASE, {})
    assert not READ_ONLY & set(td)
    assert td["runtimePlatform"] == LIVE["runtimePlatform"]
    assert {t["key"] for t in td["tags"]} == {"team", "ci-ecs:version", "ci-ecs:commit"}  # aws: tags dropped
    validate(td)


def test_from_live_keeps_every_registerable_field_and_drops_read_only_ones() -> None:
    td = from_live(LIVE, LIVE_TAGS, RELEASE, ())
    assert not READ_ONLY & set(td) and "registeredBy" not in td
    assert td["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert td["ephemeralStorage"] == {"sizeInGiB": 40}
    assert td["proxyConfiguration"] == LIVE["proxyConfiguration"]
    assert td["enableFaultInjection"] is False
    assert td["tags"] == [t for t in LIVE_TAGS if not t["key"].startswith("aws:")]
    validate(td)


def test_from_live_replaces_the_image_of_containers_from_the_same_repository_only() -> None:
    td = from_live(LIVE, LIVE_TAGS, RELEASE, ())
    images = {c["name"]: c["image"] for c in td["containerDefinitions"]}
    assert images == {
        "web": f"{REPO}:v2",
        "envoy": LIVE["containerDefinitions"][1]["image"],
        "log_router": LIVE["containerDefinitions"][2]["image"],
    }


def test_from_live_does_not_change_its_input() -> None:
    live, tags = copy.deepcopy(LIVE), copy.deepcopy(LIVE_TAGS)
    td = from_live(live, tags, RELEASE, ())
    td["containerDefinitions"][0]["environment"].clear()
    assert (live, tags) == (LIVE, LIVE_TAGS)


def test_from_live_replaces_named_containers_whatever_their_image() -> None:
    td = from_live(LIVE, LIVE_TAGS, RELEASE, ("log_router",))
    assert [c["image"] for c in td["containerDefinitions"]][::2] == [
        LIVE["containerDefinitions"][0]["image"],
        f"{REPO}:v2",
    ]


def test_a_named_container_missing_from_the_live_revision_is_an_error() -> None:
    message = config_error(from_live, LIVE, LIVE_TAGS, RELEASE, ("web", "worker"))
    assert (
        message == "container: 'worker' is not in task definition web:3 (containers: web, envoy, log_router)"
    )


def test_no_container_from_the_repository_is_an_error_listing_containers_and_images() -> None:
    other = Release(ImageRef("ghcr.io/shop/api", "v2"), "v2")
    message = config_error(from_live, LIVE, LIVE_TAGS, other, ())
    assert message.startswith(
        "container: no container of task definition web:3 runs an image from ghcr.io/shop/api ("
    )
    assert "log_router=public.ecr.aws/aws-observability/aws-for-fluent-bit:stable" in message


def test_docker_hub_names_match_in_their_short_and_long_forms() -> None:
    live = {"family": "proxy", "containerDefinitions": [{"name": "nginx", "image": "nginx:1.25"}]}
    td = from_live(live, [], Release(ImageRef("docker.io/library/nginx", "1.27"), "1.27"), ())
    assert td["containerDefinitions"][0]["image"] == "docker.io/library/nginx:1.27"


def test_registerable_keeps_only_what_register_task_definition_accepts() -> None:
    assert set(registerable(LIVE)) == set(LIVE) - READ_ONLY - {"registeredBy"}


def problems(td: dict[str, Any]) -> list[str]:
    """Each problem of the one-line message, as `task_definition: <problem>`."""
    message = config_error(validate, td)
    assert "\n" not in message and message.startswith("task_definition: ")
    return ["task_definition: " + p for p in message.removeprefix("task_definition: ").split("; ")]


def test_validate_names_the_field_path_of_a_wrong_type() -> None:
    td = {"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "memory": "512"}]}
    assert problems(td) == [
        "task_definition: containerDefinitions[0].memory: expected int, got '512' — write it without quotes "
        "in the template: memory: 512"
    ]


def test_an_unquoted_number_where_ecs_wants_a_string_says_to_quote_it_naming_the_field() -> None:
    td = {"family": "web", "cpu": 256, "containerDefinitions": [{"name": "web", "image": "x"}]}
    assert problems(td) == [
        'task_definition: cpu: expected str, got 256 — quote it in the template: cpu: "256"'
    ]


def test_validate_reports_missing_required_fields() -> None:
    assert problems({"containerDefinitions": [{"name": "web", "image": "x"}]}) == [
        "task_definition: family: missing"
    ]


def test_validate_reports_unknown_fields_with_a_suggestion() -> None:
    td = {"family": "web", "containerDefinitions": [{"name": "web", "imag": "x"}]}
    assert problems(td) == [
        "task_definition: containerDefinitions[0].imag: unknown field — did you mean 'image'?",
        "task_definition: containerDefinitions[0].image: missing",
    ]


def test_validate_checks_family_containers_names_and_images() -> None:
    assert problems({"family": " ", "containerDefinitions": []}) == [
        "task_definition: family: must not be empty",
        "task_definition: containerDefinitions: at least one container is needed",
    ]
    twice = {
        "family": "web",
        "containerDefinitions": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}],
    }
    assert problems(twice) == ["task_definition: containerDefinitions[1].name: 'a' is used twice"]


def test_validate_never_echoes_an_environment_value() -> None:
    env = [{"name": "DB_PASSWORD", "value": 12345678}]
    td = {"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "environment": env}]}
    assert problems(td) == [
        "task_definition: containerDefinitions[0].environment[0].value: expected str, got int (value hidden) "
        "— quote the value in the template"
    ]


def test_redaction_masks_secret_looking_values_and_keeps_the_rest() -> None:
    redacted = redact_task_definition(LIVE)
    web = redacted["containerDefinitions"][0]
    assert environment_of(redacted) == {
        "LOG_LEVEL": "info",
        "DB_PASSWORD": "****",
        "DATABASE_URL": "****",
        "PAYMENT_SECRET_ARN": LIVE["containerDefinitions"][0]["environment"][3]["value"],
    }
    assert web["logConfiguration"]["options"] == {"Name": "datadog", "apikey": "****", "dd_service": "web"}
    assert web["secrets"] == LIVE["containerDefinitions"][0]["secrets"]
    assert LIVE["containerDefinitions"][0]["environment"][1]["value"] == "hunter2-prod"


def test_diff_of_the_same_revision_is_empty() -> None:
    assert diff(LIVE, registerable(LIVE)) == []


def test_diff_shows_the_new_image_and_ignores_read_only_fields() -> None:
    lines = diff(LIVE, from_live(LIVE, [], RELEASE, ()))
    assert lines[:2] == ["--- live", "+++ new"]
    changed = [line for line in lines[2:] if line[:1] in "+-"]
    assert changed == [
        f'-      "image": "{LIVE["containerDefinitions"][0]["image"]}",',
        f'+      "image": "{REPO}:v2",',
    ]


def test_diff_shows_that_a_secret_changed_but_never_its_value() -> None:
    new = from_live(LIVE, [], RELEASE, ())
    new["containerDefinitions"][0]["environment"][1]["value"] = "correct-horse"
    text = "\n".join(diff(LIVE, new))
    assert '-          "value": "****"' in text and '+          "value": "****"' in text
    for secret in ("hunter2-prod", "correct-horse", "s3cr3t", "0123456789abcdef0123456789abcdef"):
        assert secret not in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD", "x"),
        ("Stripe_Api_Key", "x"),
        ("GITLAB_TOKEN", "x"),
        ("SENTRY_DSN", "https://abc@o1.ingest.sentry.io/1"),
        ("DB_CONNECTION_STRING", "Server=x"),
        ("URL", "https://user:pa55@host/"),
        ("ID", "AKIAABCDEFGHIJKLMNOP"),
        ("KEY", "-----BEGIN RSA PRIVATE KEY-----\nMII..."),
        ("GH", "ghp_" + "a" * 36),
    ],
)
def test_looks_secret_by_name_or_by_value(name: str, value: str) -> None:
    assert looks_secret(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_LEVEL", "debug"),
        ("DB_PASSWORD", ""),
        ("DB_PASSWORD_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"),
        ("HOMEPAGE", "https://example.com/a@b"),
        ("AWS_REGION", "eu-west-1"),
    ],
)
def test_looks_secret_spares_ordinary_values_and_arns(name: str, value: str) -> None:
    assert not looks_secret(name, value)


def test_an_error_in_an_included_file_in_a_subdirectory_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    write(tmp_path, "parts/web.yml.j2", "  - name: web\n\n    image: {{ nope }}\n")
    path = write(
        tmp_path, "td.yml.j2", "family: web\ncontainerDefinitions:\n{% include 'parts/web.yml.j2' %}\n"
    )
    message = config_error(render_template, path, RELEASE, {})
    assert message.startswith(f"task_definition: {tmp_path / 'parts' / 'web.yml.j2'}:3: undefined variable")


def test_a_template_cannot_reach_outside_its_directory_or_python_internals(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x")
    (tmp_path / "deploy").mkdir()
    outside = write(tmp_path, "deploy/td.yml.j2", "family: {% include '../secret.txt' %}\n")
    assert "not found" in config_error(render_template, outside, RELEASE, {})
    unsafe = write(tmp_path, "td.yml.j2", "family: {{ image.__class__.__mro__ }}\n")
    assert config_error(render_template, unsafe, RELEASE, {}).startswith(f"task_definition: {unsafe}:1: ")
