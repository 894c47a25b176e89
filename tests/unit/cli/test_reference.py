"""docs/configuration.md is what the settings model says, and its examples load."""

from __future__ import annotations

from pathlib import Path

from ci_ecs.cli.reference import COMMAND, ENVIRONMENTS_EXAMPLE, REFERENCE, keys_with_flags
from ci_ecs.cli.reference import reference_markdown as markdown
from ci_ecs.settings import KEYS, load_settings

ROOT = Path(__file__).resolve().parents[3]


def test_the_configuration_reference_is_up_to_date() -> None:
    written = (ROOT / REFERENCE).read_text(encoding="utf-8")
    assert written == markdown(keys_with_flags()), f"{REFERENCE} is out of date: run `{COMMAND}`"


def test_the_reference_shows_every_key_with_its_variable_and_what_it_means() -> None:
    text = markdown(keys_with_flags())
    for key, spec in KEYS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key}` |"))
        assert f"`CI_ECS_{key.replace('.', '_').upper()}`" in row and spec.meaning in row


def test_flags_are_shown_only_for_keys_the_cli_has_a_flag_for() -> None:
    text = markdown({"wait.timeout", "rolling.circuit_breaker"})
    assert "| `wait.timeout` | `CI_ECS_WAIT_TIMEOUT` | `--timeout` |" in text
    assert "| `--circuit-breaker` / `--no-circuit-breaker` |" in text
    assert "| `cluster` | `CI_ECS_CLUSTER` | — | required |" in text


def test_the_reference_states_the_precedence_of_sources() -> None:
    steps = [line for line in markdown(keys_with_flags()).splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert steps[0].startswith("1. a flag")
    assert steps[1].startswith("2. a `CI_ECS_` variable")
    assert steps[2].startswith("3. the file's `environments.<name>` section")


def test_the_environments_example_loads_per_environment(tmp_path: Path) -> None:
    (tmp_path / "ci-ecs.yml").write_text(ENVIRONMENTS_EXAMPLE)

    def cluster(environment: str) -> tuple[str, float]:
        settings = load_settings(tmp_path / "ci-ecs.yml", environment=environment, env={}, flags={})
        return settings.cluster, settings.wait.timeout

    assert cluster("production") == ("prod", 1800)
    assert cluster("review/feature-x") == ("review", 900)
    assert cluster("staging") == ("staging", 900)
