"""User docs speak to users: no internal notes, field notes or section marks of design documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USER_DOCS = sorted(
    {
        ROOT / "README.md",
        ROOT / "action.yml",
        ROOT / ".gitlab-ci-template.yml",
        *(p for p in (ROOT / "docs").glob("*.md") if p.name != "sandbox.md"),
        *(p for p in (ROOT / "examples").rglob("*") if p.is_file()),
        *(p for p in (ROOT / "templates").rglob("*") if p.is_file()),
    }
)
INTERNAL = re.compile(r"\bseeds?\b|DESIGN\.md|§", re.IGNORECASE)


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_name_no_internal_notes(path: Path) -> None:
    found = [line for line in path.read_text(encoding="utf-8").splitlines() if INTERNAL.search(line)]
    assert found == []


def test_the_readme_says_which_github_environment_a_canary_reports_to() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "examples" / "github" / "deploy.yml").read_text(encoding="utf-8")
    assert "command: canary-deploy\n          environment: production\n" in example
    assert "The canary reports there too — in the example below to `production`" in readme
