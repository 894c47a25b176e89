"""The README's table of contents lists its sections, each link reaching its heading."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings() -> list[str]:
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    return re.findall(r"^#{2,3} (.+)$", prose, flags=re.M)


def test_the_contents_list_every_section_in_order_and_link_to_its_heading() -> None:
    contents = README.split("\n## Contents\n", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r"^\s*- \[(.+?)\]\(#([^)]+)\)", contents, flags=re.M)
    sections = [h for h in _headings() if h != "Contents"]
    assert [title for title, _ in links] == sections
    assert [anchor for _, anchor in links] == [_slug(h) for h in sections]


def test_the_contents_come_right_after_the_introduction() -> None:
    assert _headings()[:2] == ["Contents", "Quick start"]


def test_the_configuration_section_links_to_the_full_reference() -> None:
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert "(docs/configuration.md)" in section
    assert (ROOT / "docs" / "configuration.md").is_file()
