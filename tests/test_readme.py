"""The README's examples are true: its commands, configuration and template work as shown."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ci_ecs.checks import failure_threshold
from ci_ecs.model import ImageRef, Release
from ci_ecs.render import render_template, validate
from ci_ecs.settings import load_settings, of_service
from ci_ecs.strategies.registry import name_of

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_quick_start_test_command_is_what_ci_runs() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [b.strip() for b in re.findall(r"```sh\n(.*?)```", quick_start, flags=re.S)]

    assert len(commands) == 2, "the quick start has exactly two commands"
    assert commands[0].endswith("ci-ecs demo")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_configuration_example_loads(tmp_path: Path) -> None:
    config = next(b for b in _blocks("yaml") if b.startswith("region:"))
    (tmp_path / "ci-ecs.yml").write_text(config)

    settings = load_settings(tmp_path / "ci-ecs.yml", environment="staging", env={}, flags={})

    assert settings.cluster == "staging"
    assert settings.service == "web"
    assert settings.wait.timeout == 900
    assert settings.container == ("web",)


def test_configuration_example_serves_the_environment_the_gitlab_component_passes(tmp_path: Path) -> None:
    component = (ROOT / "templates" / "ecs-deploy.yml").read_text()
    passed = re.search(r"  environment:\n      default: (\S+)", component)
    assert passed is not None and '--environment "$[[ inputs.environment ]]"' in component
    config = next(b for b in _blocks("yaml") if b.startswith("region:"))
    (tmp_path / "ci-ecs.yml").write_text(config)

    settings = load_settings(tmp_path / "ci-ecs.yml", environment=passed.group(1), env={}, flags={})

    assert (settings.environment, settings.cluster) == ("production", "prod")


def test_template_example_renders_and_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = next(b for b in _blocks("yaml") if b.startswith("family:"))
    (tmp_path / "td.yml.j2").write_text(template)
    release = Release(ImageRef.parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v2"), "v2", "abc123")

    rendered = render_template(
        tmp_path / "td.yml.j2", release, {"EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/exec"}
    )
    validate(rendered)

    assert rendered["containerDefinitions"][0]["image"] == release.reference
    assert {"name": "VERSION", "value": "v2"} in rendered["containerDefinitions"][0]["environment"]


def test_switch_routes_example_loads(tmp_path: Path) -> None:
    example = next(b for b in _blocks("yaml") if b.startswith("strategy: switch"))
    (tmp_path / "ci-ecs.yml").write_text("cluster: main\nservice: web\n" + example)

    settings = load_settings(tmp_path / "ci-ecs.yml", environment=None, env={}, flags={})

    routes = settings.switch.all_routes(settings.service)
    assert [r.name_prefix for r in routes] == ["web", "web-admin"]
    assert all(":listener-rule/app/admin/" in r.public_rule for r in routes[1:])


def test_the_service_canary_row_says_after_how_many_failed_tasks_it_fails_as_the_code_does() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `service` |"))
    small = failure_threshold(6)
    assert failure_threshold(1) == small and failure_threshold(7) > small
    assert f"after {small} failed tasks for a canary of up to 6 tasks" in row
    assert "one task fails" not in row


def test_analysis_example_loads(tmp_path: Path) -> None:
    example = next(b for b in _blocks("yaml") if b.startswith("analysis:"))
    (tmp_path / "ci-ecs.yml").write_text("cluster: main\nservice: web\n" + example)

    settings = load_settings(tmp_path / "ci-ecs.yml", environment=None, env={}, flags={})

    assert settings.canary.weights() == (5, 25, 50)
    assert settings.analysis.enabled and settings.analysis.error_rate_vs_baseline == 1.5
    assert [check.name for check in settings.analysis.queries] == ["checkout-errors"]
    assert settings.analysis.interval == 60 and settings.analysis.delay == 60


def test_services_example_gives_each_service_its_own_technique(tmp_path: Path) -> None:
    example = next(
        b for b in _blocks("yaml") if b.startswith("services:\n  - service: shop-web\n    container")
    )
    config = tmp_path / "ci-ecs.yml"
    config.write_text("cluster: demo\n" + example)

    settings = load_settings(config, environment=None, env={}, flags={})

    each = {e.service: of_service(settings, e) for e in settings.services}
    assert {n: (name_of(s), s.canary.mode) for n, s in each.items()} == {
        "shop-web": ("rolling", "task"),
        "shop-api": ("codedeploy", None),
        "shop-worker": ("rolling", None),
    }
    assert each["shop-api"].codedeploy.deployment_group == "shop-api"


def test_the_same_service_in_two_regions_example_is_two_services_named_with_their_regions(
    tmp_path: Path,
) -> None:
    example = next(b for b in _blocks("yaml") if "  - service: web\n      region: eu-west-1" in b)
    config = tmp_path / "ci-ecs.yml"
    config.write_text(textwrap.dedent(example))

    settings = load_settings(config, environment=None, env={}, flags={})

    assert [of_service(settings, e).name for e in settings.services] == ["web (us-east-1)", "web (eu-west-1)"]
