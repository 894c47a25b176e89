"""Outputs for later jobs: the dotenv report, $GITHUB_OUTPUT, the job summary and the GitLab closing lines."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ci_ecs.job_outputs import summary_lines, summary_markdown, write_outputs
from ci_ecs.model import DeploymentRecord, Hint, ServiceOutcome, ServiceState
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


def _services_record(**changes: Any) -> DeploymentRecord:
    """A `services:` deploy of v2: web deployed, worker put back on v1, the scheduler never reached."""
    revision = TASK_DEF.rsplit("/", 1)[0] + "/"
    states: tuple[tuple[str, ServiceState], ...] = (
        ("web", "deployed"),
        ("worker", "rolled back"),
        ("scheduler", "not deployed"),
    )
    outcomes = tuple(
        ServiceOutcome(
            name, "main", "us-east-1", "v2", f"{revision}{name}:2", "v1", f"{revision}{name}:1", state
        )
        for name, state in states
    )
    return _record(service="web, worker, scheduler", task_definition="", services=outcomes, **changes)


def test_services_are_one_json_list_in_the_dotenv_and_the_github_outputs(tmp_path: Path) -> None:
    dotenv, output = tmp_path / "ci-ecs.env", tmp_path / "out"
    output.write_text("")

    write_outputs(_services_record(), {}, {"GITHUB_OUTPUT": str(output)}, dotenv=dotenv)

    line = next(line for line in dotenv.read_text().splitlines() if line.startswith("CI_ECS_SERVICES="))
    listed = json.loads(line.removeprefix("CI_ECS_SERVICES="))
    assert [(s["service"], s["version"], s["task_definition"], s["state"]) for s in listed] == [
        ("web", "v2", TASK_DEF.replace("web:7", "web:2"), "deployed"),
        ("worker", "v2", TASK_DEF.replace("web:7", "worker:2"), "rolled back"),
        ("scheduler", "v2", TASK_DEF.replace("web:7", "scheduler:2"), "not deployed"),
    ]
    assert {s["cluster"] for s in listed} == {"main"} and {s["region"] for s in listed} == {"us-east-1"}
    assert json.loads(_github_outputs(output.read_text())["services"]) == listed
    assert "CI_ECS_TASK_DEFINITION_ARN" not in dotenv.read_text()  # no one revision stands for them all


def test_a_one_service_job_has_no_services_output(tmp_path: Path) -> None:
    dotenv = tmp_path / "ci-ecs.env"

    write_outputs(_record(), {}, {}, dotenv=dotenv)

    assert "CI_ECS_SERVICES" not in dotenv.read_text()


def test_services_too_many_for_gitlab_s_dotenv_limit_are_listed_by_short_revisions(tmp_path: Path) -> None:
    dotenv = tmp_path / "ci-ecs.env"
    many = _services_record().services[0]
    record = _record(services=tuple(replace(many, service=f"web-{n}") for n in range(40)))

    write_outputs(record, {}, {}, dotenv=dotenv)

    assert len(dotenv.read_bytes()) < 5120  # GitLab refuses a dotenv report of 5 KiB or more
    listed = json.loads(dotenv.read_text().split("CI_ECS_SERVICES=", 1)[1].splitlines()[0])
    assert len(listed) == 40 and {s["task_definition"] for s in listed} == {"web:2"}


def test_the_summaries_name_the_version_and_revision_each_service_runs_and_its_state() -> None:
    record = _services_record(status="failed", reason="worker: tasks failed to start")

    lines = summary_lines(record, 30, None)
    markdown = summary_markdown(record, 30, None)

    table = lines[lines.index("services:") + 1 :]
    assert table[0].split() == ["Service", "Cluster", "Version", "Task", "definition", "State"]
    assert [row.split() for row in table[1:]] == [
        ["web", "main", "v2", "web:2", "deployed"],
        ["worker", "main", "v1", "worker:1", "rolled", "back"],  # put back: it runs v1 again
        ["scheduler", "main", "v1", "scheduler:1", "not", "deployed"],
    ]
    assert "| Service | Cluster | Version | Task definition | State |" in markdown
    assert "| `worker` | `main` | `v1` | `worker:1` | rolled back |" in markdown


def test_a_rollback_s_services_run_the_version_they_went_back_to() -> None:
    deployed = _services_record().services
    back = tuple(replace(s, version="v1", previous_version="v2", state="rolled back") for s in deployed)

    markdown = summary_markdown(_record(command="rollback", services=back), 30, None)

    assert "| `worker` | `main` | `v1` | `worker:2` | rolled back |" in markdown
