"""Choosing the reporter (`forge: auto | gitlab | github | none`), and what missing settings do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.forge import reporter_for
from ci_ecs.forge.null import NullReporter
from ci_ecs.output import Console
from tests.unit.forge.conftest import GITHUB_ENV, GITHUB_TOKEN, GITLAB_ENV, JOB_TOKEN, record


@pytest.mark.parametrize(
    ("env", "name"),
    [(GITLAB_ENV, "gitlab"), (GITHUB_ENV, "github"), ({"CI": "true"}, "none"), ({}, "none")],
)
def test_auto_detects_the_forge_from_the_ci_variables(
    console: Console, capsys: pytest.CaptureFixture[str], env: dict[str, str], name: str
) -> None:
    assert reporter_for("auto", env, console).name == name
    assert capsys.readouterr().err == ""


def test_none_reports_nothing_even_inside_a_forge(console: Console) -> None:
    reporter = reporter_for("none", GITLAB_ENV, console)

    assert isinstance(reporter, NullReporter)
    assert reporter.history("production") == []
    reporter.started(record(), "production")
    reporter.finished(record(), "production")


@pytest.mark.parametrize(
    ("kind", "variables"), [("gitlab", "CI_SERVER_URL, CI_PROJECT_ID"), ("github", "GITHUB_TOKEN")]
)
def test_a_chosen_forge_without_its_variables_is_one_warning_and_no_reporting(
    console: Console, capsys: pytest.CaptureFixture[str], kind: str, variables: str
) -> None:
    env = {"CI_JOB_TOKEN": JOB_TOKEN, "GITHUB_REPOSITORY": "octocat/example"}

    reporter = reporter_for(kind, env, console)

    assert isinstance(reporter, NullReporter)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert variables in lines[0]


def test_an_unknown_forge_is_a_configuration_error(console: Console) -> None:
    with pytest.raises(ConfigError, match="forge: 'bitbucket' is not one of auto, gitlab, github, none"):
        reporter_for("bitbucket", {}, console)


def test_the_console_learns_the_token_so_nothing_prints_it(
    console: Console, capsys: pytest.CaptureFixture[str]
) -> None:
    reporter_for("auto", GITHUB_ENV, console)
    reporter_for("gitlab", GITLAB_ENV, console)

    console.line(f"{GITHUB_TOKEN} {JOB_TOKEN}")

    assert capsys.readouterr().out == "**** ****\n"


def test_choosing_a_reporter_loads_no_forge_library_until_it_calls_the_api() -> None:
    probe = (
        "import sys, ci_ecs.cli, ci_ecs.forge, ci_ecs.job_outputs\n"
        "from ci_ecs.output import Console\n"
        "github = {'GITHUB_TOKEN': 't0ken', 'GITHUB_REPOSITORY': 'o/r'}\n"
        "gitlab = {'CI_SERVER_URL': 'https://g', 'CI_PROJECT_ID': '1', 'CI_JOB_TOKEN': 't0ken'}\n"
        "ci_ecs.forge.reporter_for('github', github, Console())\n"
        "ci_ecs.forge.reporter_for('gitlab', gitlab, Console())\n"
        "print(sorted(m for m in ('gitlab', 'github') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
