"""The YAML of ci-ecs.yml: syntax errors and duplicate keys name the file and line."""

from __future__ import annotations

from pathlib import Path

from tests.unit.settings.loading import BASE, fails


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "wait: [\n")
    assert message.startswith(f"{tmp_path / 'ci-ecs.yml'}:4:1: invalid YAML: ")


def test_duplicate_key_is_an_error_naming_the_line(tmp_path: Path) -> None:
    message = fails(tmp_path, BASE + "cluster: other\n")
    assert message == f"{tmp_path / 'ci-ecs.yml'}:3:1: invalid YAML: duplicate key 'cluster'"


def test_top_level_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    assert "expected a mapping of keys at the top" in fails(tmp_path, "- cluster\n")
