"""Console output: redaction of secrets, CI log sections, JSON documents."""

from __future__ import annotations

import io
import json

import pytest

from ci_ecs.output import Console, Redactor, counted, detect_ci
from ci_ecs.redaction import looks_secret, redact


def test_redactor_hides_secret_variable_values_but_not_key_ids() -> None:
    redact = Redactor.from_environment(
        {"GITHUB_TOKEN": "ghs_abcdef123456", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "HOME": "/root"}
    )

    assert redact("token ghs_abcdef123456 home /root") == "token **** home /root"
    assert "AKIDEXAMPLE" in redact("key AKIDEXAMPLE")


def test_redactor_hides_credential_shaped_text_it_was_not_told_about() -> None:
    redact = Redactor()

    assert "AKIAABCDEFGHIJKLMNOP" not in redact("id AKIAABCDEFGHIJKLMNOP")
    assert "pa55" not in redact("postgres://app:pa55@db:5432/x")


def test_looks_secret_by_name_or_value() -> None:
    assert looks_secret("DB_PASSWORD", "x")
    assert looks_secret("STRIPE_API_KEY", "x")
    assert looks_secret("URL", "https://u:p@host/")
    assert not looks_secret("LOG_LEVEL", "debug")


def test_gitlab_sections_wrap_their_lines() -> None:
    out = io.StringIO()
    console = Console(ci="gitlab", out=out, err=out)

    with console.section("deploy v2"):
        console.step("register")

    lines = out.getvalue().rstrip("\n").split("\n")  # GitLab's markers contain \r: split on \n only
    assert lines[0].startswith("\x1b[0Ksection_start:") and lines[0].endswith("deploy v2")
    assert lines[-1].startswith("\x1b[0Ksection_end:")


def test_github_groups_and_annotations() -> None:
    out = io.StringIO()
    console = Console(ci="github", out=out, err=out)

    with console.section("deploy v2"):
        console.warn("slow")

    assert out.getvalue().splitlines() == ["::group::deploy v2", "::warning::slow", "::endgroup::"]


def test_json_mode_keeps_stdout_for_the_document() -> None:
    out, err = io.StringIO(), io.StringIO()
    console = Console(fmt="json", out=out, err=err)

    console.step("register")
    console.document({"status": "success"})

    assert json.loads(out.getvalue()) == {"status": "success"}
    assert "register" in err.getvalue()


def test_ci_detection() -> None:
    assert detect_ci({"GITLAB_CI": "true"}) == "gitlab"
    assert detect_ci({"GITHUB_ACTIONS": "true"}) == "github"
    assert detect_ci({"CI": "true"}) is None


def test_secret_names_are_judged_by_their_words() -> None:
    for name in (
        "DB_PASS",
        "MYSQL_PWD",
        "apiKey",
        "SSH_PRIVATE_KEY",
        "HASH_SALT",
        "GITLAB_PAT",
        "DBPASSWORD",
    ):
        assert looks_secret(name, "value"), name
    for name in ("KEYCLOAK_URL", "PASSPORT_OFFICE", "MONKEY_MODE", "AUTHOR", "PATH", "KEYSPACE"):
        assert not looks_secret(name, "value"), name


def test_secret_options_in_a_command_are_masked_and_the_rest_kept() -> None:
    container = {
        "command": ["serve", "--db-password=hunter2", "--token", "abc123", "--port", "8080"],
        "entryPoint": ["sh", "-c", "exec app --x-api-key=k3y --verbose"],
    }
    masked = redact(container)
    assert masked["command"] == ["serve", "--db-password=****", "--token", "****", "--port", "8080"]
    assert masked["entryPoint"] == ["sh", "-c", "exec app --x-api-key=**** --verbose"]


def test_credentials_in_a_url_are_masked_and_a_long_run_of_letters_is_not_a_url() -> None:
    redactor = Redactor()
    assert redactor("amqp://app:s3cret@mq:5672/") == "****mq:5672/"
    assert redactor("a" * 5000 + "://") == "a" * 5000 + "://"


def test_tags_are_judged_by_their_key_and_the_key_is_shown() -> None:
    tags = [{"key": "ci-ecs:version", "value": "v3"}, {"key": "db_password", "value": "hunter2"}]
    assert redact({"tags": tags}) == {
        "tags": [{"key": "ci-ecs:version", "value": "v3"}, {"key": "db_password", "value": "****"}]
    }


def test_the_shell_s_working_directory_is_not_learnt_as_a_secret() -> None:
    redact = Redactor.from_environment(
        {"PWD": "/builds/shop/web", "OLDPWD": "/builds", "MYSQL_PWD": "hunter22"}
    )
    assert redact("docker build --file /builds/shop/web/Dockerfile hunter22") == (
        "docker build --file /builds/shop/web/Dockerfile ****"
    )


@pytest.mark.parametrize(
    ("count", "word", "many", "said"),
    [
        (1, "task", None, "1 task"),
        (2, "task", None, "2 tasks"),
        (0, "task", None, "0 tasks"),
        (1, "policy", "policies", "1 policy"),
        (3, "policy", "policies", "3 policies"),
    ],
)
def test_counted_words_are_singular_for_one_and_plural_otherwise(
    count: int, word: str, many: str | None, said: str
) -> None:
    assert counted(count, word, many) == said
