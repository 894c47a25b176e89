"""README "GitLab in 5 minutes" shows the tested example and every input of the component."""

from __future__ import annotations

import re

from tests.ci.gitlab_local import ROOT, input_defaults

SECTION = (ROOT / "README.md").read_text().split("## GitLab in 5 minutes\n", 1)[1].split("\n## ", 1)[0]


def test_gitlab_snippet_is_the_tested_example_file() -> None:
    snippet = re.search(r"```yaml\n(.*?)```", SECTION, flags=re.S)

    assert snippet is not None
    assert snippet[1] == (ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text()


def test_gitlab_section_documents_every_input_of_the_component() -> None:
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)?", SECTION, flags=re.M))

    assert {name for pair in documented for name in pair if name} == set(input_defaults())


def test_gitlab_section_names_the_classic_example_and_template() -> None:
    assert "examples/gitlab/classic/.gitlab-ci.yml" in SECTION
    assert ".gitlab-ci-template.yml" in SECTION
