"""The command line itself: entry points, version, CI log sections."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from ci_ecs import __version__
from ci_ecs import sandbox as sandboxes


def test_python_dash_m_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ci_ecs", "--version"], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0
    assert done.stdout.strip() == f"ci-ecs {__version__}"


def test_help_lists_only_commands_that_exist() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ci_ecs", "--help"], capture_output=True, text=True, check=True
    )

    for command in ("build", "canary-deploy", "deploy", "rollback", "render", "status", "sandbox", "demo"):
        assert command in done.stdout


def test_bad_output_format_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ci_ecs", "--output", "xml", "status"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 2
    assert "--output" in done.stderr


def test_gitlab_job_log_gets_a_collapsible_section(cli: Any, sample: sandboxes.Sample) -> None:
    run = cli("deploy", "--image", f"{sample.repository}:v2", env={"GITLAB_CI": "true"})

    assert run.code == 0, run.output
    assert "\x1b[0Ksection_start:" in run.stdout
    assert "\x1b[0Ksection_end:" in run.stdout


def test_github_job_log_gets_a_group_and_error_annotation(cli: Any, sample: sandboxes.Sample) -> None:
    run = cli("deploy", "--image", f"{sample.repository}:v2-crash", env={"GITHUB_ACTIONS": "true"})

    assert run.code == 1
    assert "::group::deploy v2-crash" in run.stdout
    assert "::endgroup::" in run.stdout
    assert run.stderr.splitlines()[-1].startswith("::error::")


def test_render_with_services_prints_each_service_s_revision_by_name(
    cli: Any, sample: sandboxes.Sample
) -> None:
    import json

    every = cli("--config", "ci-ecs-services.yml", "render", "--image", f"{sample.repository}:v3")
    one = cli(
        "--config",
        "ci-ecs-services.yml",
        "render",
        "--image",
        f"{sample.repository}:v3",
        "--service",
        "shop-worker",
    )

    assert every.code == 0 and one.code == 0, every.output + one.output
    rendered = json.loads(every.stdout)
    assert {name: r["family"] for name, r in rendered.items()} == {
        "shop-web": "shop-web",
        "shop-worker": "shop-worker",
        "shop-scheduler": "shop-scheduler",
    }
    assert json.loads(one.stdout) == rendered["shop-worker"]
    pinned = f"{sample.repository}@{sample.images['v3']}"
    assert {c["image"] for r in rendered.values() for c in r["containerDefinitions"]} == {pinned}


def test_render_prints_the_revision_deploy_would_register(cli: Any, sample: sandboxes.Sample) -> None:
    import json

    run = cli("render", "--image", f"{sample.repository}:v3")

    assert run.code == 0, run.output
    rendered = json.loads(run.stdout)
    assert rendered["containerDefinitions"][0]["image"] == f"{sample.repository}@{sample.images['v3']}"
    assert {"key": "ci-ecs:version", "value": "v3"} in rendered["tags"]
    assert "taskDefinitionArn" not in rendered
