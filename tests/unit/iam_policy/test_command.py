"""`ci-ecs iam-policy` without AWS: placeholders said on stderr, JSON alone on stdout; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ci_ecs.cli import app

CONFIG = "cluster: prod\nservice: web\nimage: registry.gitlab.com/shop/web\n"


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No region, profile or credentials: the command must not reach AWS."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "CI_ECS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)


def _run(*args: str, config: str = CONFIG) -> tuple[int, str, str]:
    Path("ci-ecs.yml").write_text(config)
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


def test_without_aws_the_policy_has_placeholders_and_says_what_to_replace() -> None:
    code, out, err = _run("iam-policy")
    assert code == 0, err
    policy = json.loads(out)
    assert policy["Version"] == "2012-10-17"
    text = json.dumps(policy)
    assert "arn:aws:ecs:<region>:<account-id>:service/prod/web" in text
    assert "task-definition/<task-family>:*" in text
    assert "replace <account-id>" in err and "replace <region>" in err and "<task-family>" in err


def test_the_technique_option_overrides_the_configuration() -> None:
    code, out, _ = _run("iam-policy", "--technique", "taskset")
    assert code == 0
    assert any(s["Sid"] == "TaskSets" for s in json.loads(out)["Statement"])


def test_an_unknown_technique_exits_2_naming_the_option() -> None:
    code, out, err = _run("iam-policy", "--technique", "blue-green")
    assert (code, out) == (2, "")
    assert "--technique: 'blue-green' is not a technique" in err


def test_a_missing_key_exits_2_naming_it() -> None:
    code, out, err = _run("iam-policy", config="service: web\n")
    assert (code, out) == (2, "")
    assert "cluster" in err


def test_an_unknown_key_exits_2_naming_it() -> None:
    code, _, err = _run("iam-policy", config=CONFIG + "strategy: blue\n")
    assert code == 2
    assert "strategy" in err
