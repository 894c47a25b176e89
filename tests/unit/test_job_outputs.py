"""Outputs for later jobs: the dotenv report, $GITHUB_OUTPUT, the job summary and the GitLab closing lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ci_ecs.job_outputs import summary_lines, summary_markdown, write_outputs
from ci_ecs.model import DeploymentRecord, Hint
from ci_ecs.output import Redactor

TASK_DEF = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:" + "ab" * 32
URL = "https://web.example.com"


def _record(**changes: Any) -> DeploymentRecord:
    fields: dict[str, Any] = {
        "command": "deploy",
        "technique": "rolling",
        "service": "web",
        "cluster": "main",
        "version": "v2",
        "task_definition": TASK_DEF,
        "previous_version": "v1",
        "details": {"image": IMAGE, "traffic": "100% v2"},
    }
    return DeploymentRecord(**{**fields, **changes})


def _github_outputs(text: str) -> dict[str, str]:
    """Read `$GITHUB_OUTPUT` back the way the runner does (name<<DELIMITER … DELIMITER)."""
    blocks = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.MULTILINE | re.DOTALL)
    return {name: value for name, _, value in blocks}


def test_dotenv_carries_the_image_version_task_definition_and_deploy_url(tmp_path: Path) -> None:
    dotenv = tmp_path / "ci-ecs.env"

    write_outputs(_record(), {}, {}, dotenv=dotenv, url=URL)

    assert dotenv.read_text().splitlines() == [
        f"CI_ECS_IMAGE={IMAGE}",
        "CI_ECS_VERSION=v2",
        "CI_ECS_PREVIOUS_VERSION=v1",
        "CI_ECS_TECHNIQUE=rolling",
        f"CI_ECS_TASK_DEFINITION_ARN={TASK_DEF}",
        f"DEPLOY_URL={URL}",
    ]


def test_dotenv_leaves_out_what_is_unknown_and_adds_the_given_values(tmp_path: Path) -> None:
    dotenv = tmp_path / "ci-ecs.env"

    write_outputs(_record(previous_version=None), {"CI_ECS_CANARY_TASKS": "2"}, {}, dotenv=dotenv)

    text = dotenv.read_text()
    assert "CI_ECS_PREVIOUS_VERSION" not in text
    assert "DEPLOY_URL" not in text
    assert text.endswith("CI_ECS_CANARY_TASKS=2\n")


def test_dotenv_has_no_blank_lines_comments_or_quotes_that_gitlab_would_reject_or_keep(
    tmp_path: Path,
) -> None:
    dotenv = tmp_path / "ci-ecs.env"

    write_outputs(_record(), {"NOTE": "a b"}, {}, dotenv=dotenv, url=URL)

    for line in dotenv.read_text().splitlines():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=[^\n]*", line), line
        assert '"' not in line and "'" not in line
    assert "NOTE=a b" in dotenv.read_text()


@pytest.mark.parametrize("value", ["two\nlines", "carriage\rreturn"])
def test_a_value_with_a_line_break_is_refused_and_nothing_is_written(tmp_path: Path, value: str) -> None:
    dotenv = tmp_path / "ci-ecs.env"
    output = tmp_path / "github_output"

    with pytest.raises(ValueError, match="NOTES: a GitLab dotenv report cannot carry a line break"):
        write_outputs(_record(), {"NOTES": value}, {"GITHUB_OUTPUT": str(output)}, dotenv=dotenv)

    assert not dotenv.exists()
    assert not output.exists()


def test_a_key_that_is_not_a_variable_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'deploy-url'"):
        write_outputs(_record(), {"deploy-url": URL}, {}, dotenv=tmp_path / "ci-ecs.env")


def test_secrets_are_redacted_in_every_output(tmp_path: Path) -> None:
    secret = "s3cr3t-value-9f2"
    files = {name: tmp_path / name for name in ("ci-ecs.env", "output", "summary")}
    env = {"GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"])}
    record = _record(reason=f"login with {secret} failed", status="failed")

    write_outputs(
        record,
        {"CI_ECS_NOTE": f"token={secret}"},
        env,
        dotenv=files["ci-ecs.env"],
        url=f"https://user:{secret}@web.example.com",
        redact=Redactor({secret}),
    )

    for path in files.values():
        assert secret not in path.read_text(), path.name


def test_github_outputs_use_the_heredoc_form_and_append(tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    output.write_text("earlier=kept\n")

    write_outputs(_record(), {}, {"GITHUB_OUTPUT": str(output)}, dotenv=tmp_path / "ci-ecs.env", url=URL)

    text = output.read_text()
    assert text.startswith("earlier=kept\n")
    assert _github_outputs(text) == {
        "image": IMAGE,
        "version": "v2",
        "previous-version": "v1",
        "technique": "rolling",
        "task-definition": TASK_DEF,
        "deploy-url": URL,
    }


def test_no_github_files_are_written_outside_github_actions(tmp_path: Path) -> None:
    write_outputs(_record(), {}, {"GITLAB_CI": "true"}, dotenv=tmp_path / "ci-ecs.env")

    assert [p.name for p in tmp_path.iterdir()] == ["ci-ecs.env"]


def test_step_summary_is_a_markdown_table_of_the_facts(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    summary.write_text("## build\n")

    write_outputs(
        _record(), {}, {"GITHUB_STEP_SUMMARY": str(summary)}, dotenv=tmp_path / "e", duration=83, url=URL
    )

    assert summary.read_text() == (
        "## build\n"
        "### ✅ ci-ecs deploy succeeded: v2 on web\n"
        "\n"
        "| | |\n"
        "|---|---|\n"
        "| Version | `v2` |\n"
        "| Previous version | `v1` |\n"
        "| Technique | `rolling` |\n"
        "| Service | `web on main` |\n"
        f"| Task definition | `{TASK_DEF}` |\n"
        f"| Image | `{IMAGE}` |\n"
        "| Traffic | 100% v2 |\n"
        "| Duration | 1m 23s |\n"
        f"| Link | <{URL}> |\n"
        "\n"
    )


def test_summary_of_a_failure_says_why_and_keeps_the_table_intact() -> None:
    record = _record(status="failed", reason="tasks stopped | exit 1\ncircuit breaker", details={})

    text = summary_markdown(record, 5, None)

    assert text.startswith("### ❌ ci-ecs deploy failed: v2 on web\n")
    assert "| Reason | tasks stopped \\| exit 1 circuit breaker |\n" in text
    assert "| Duration | 5s |" in text
    assert "Image" not in text and "Link" not in text


def test_summary_lines_give_gitlab_the_same_facts() -> None:
    lines = summary_lines(_record(command="rollback", version="v1", previous_version="v2"), 3725, URL)

    assert lines[0] == "rollback succeeded: v1 on web"
    assert "  previous version: v2" in lines
    assert "  duration:         1h 02m 05s" in lines
    assert f"  link:             {URL}" in lines
    assert f"  task definition:  {TASK_DEF}" in lines
    assert "  traffic:          100% v2" in lines


def test_a_rollback_that_found_nothing_to_do_says_so_and_names_no_previous_version() -> None:
    noop = _record(
        command="rollback", details={"rolled_back_from": "v3", "unchanged": "true"}, previous_version="v3"
    )
    lines = summary_lines(noop, 0, None)
    assert lines[0] == "rollback: nothing was rolled back, web was already on v2"
    assert not [line for line in lines if "previous" in line or "succeeded" in line]
    assert "nothing was rolled back" in summary_markdown(noop, 0, None).splitlines()[0]


def test_the_slow_settings_follow_the_timeline_biggest_cost_first_in_the_log_and_the_step_summary() -> None:
    hints = (
        Hint("deregistration delay of target group web", "300s", 6.0, "old targets drained for 6.0s"),
        Hint("health check interval of target group web", "30s", 2.0, "new targets waited 2.0s"),
    )
    record = _record(hints=hints)
    lines = summary_lines(record, 8.0, None)
    at = lines.index("slow settings (the biggest cost first):")
    assert lines[at + 1 :] == [
        "  deregistration delay of target group web is 300s: old targets drained for 6.0s",
        "  health check interval of target group web is 30s: new targets waited 2.0s",
    ]
    markdown = summary_markdown(record, 8.0, None)
    heading = "#### Slow settings (the biggest cost first)\n\n"
    assert heading + "- **deregistration delay of target group web** is `300s`: old targets" in markdown
    assert summary_lines(_record(), 8.0, None)[-1] != "slow settings (the biggest cost first):"
    assert "Slow settings" not in summary_markdown(_record(), 8.0, None)
