"""README's "GitHub in 5 minutes" shows the tested example workflow and the action's real inputs, outputs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ci.github_runner import action

ROOT = Path(__file__).resolve().parent.parent.parent


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## GitHub in 5 minutes\n", 1)[1].split("\n## ", 1)[0]


def test_the_snippet_is_the_example_workflow_the_tests_lint() -> None:
    (snippet,) = re.findall(r"```yaml\n(.*?)```", _section(), flags=re.S)

    assert snippet == (ROOT / "examples" / "github" / "deploy.yml").read_text()
    assert "examples/github/deploy.yml" in _section() and "examples/github/rollback.yml" in _section()


def test_the_inputs_and_outputs_it_lists_are_the_ones_action_yml_declares() -> None:
    section = _section()
    inputs = section.split("Inputs:", 1)[1].split("Outputs:", 1)[0]
    outputs = section.split("Outputs:", 1)[1].split("job summary", 1)[0]
    commands = {"build", "canary-deploy", "deploy", "rollback", "run"}

    assert set(re.findall(r"`([\w-]+)`", inputs)) - commands == set(action()["inputs"])
    assert set(re.findall(r"`([\w-]+)`", outputs)) == set(action()["outputs"])
