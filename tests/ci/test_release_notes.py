"""scripts/release-notes prints a release's CHANGELOG.md section and refuses a release that has none."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.ci.github_runner import ROOT
from tests.ci.release_fakes import CHANGELOG, NOTES_1_2_3

SCRIPT = ROOT / "scripts" / "release-notes"


def _notes(tmp_path: Path, tag: str, changelog: str = CHANGELOG) -> subprocess.CompletedProcess[str]:
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return subprocess.run(
        [str(SCRIPT), tag, str(tmp_path / "CHANGELOG.md")], capture_output=True, text=True, check=False
    )


def test_prints_the_section_of_the_tag_without_its_heading_the_next_section_or_surrounding_blanks(
    tmp_path: Path,
) -> None:
    done = _notes(tmp_path, "v1.2.3")

    assert done.returncode == 0, done.stderr
    assert done.stdout == NOTES_1_2_3


def test_the_last_section_stops_before_the_link_definitions(tmp_path: Path) -> None:
    done = _notes(tmp_path, "v1.2.0")

    assert (done.returncode, done.stdout) == (0, "- first feature\n")


def test_a_version_is_matched_whole_not_as_the_prefix_of_a_longer_one(tmp_path: Path) -> None:
    done = _notes(tmp_path, "v1.2.3", CHANGELOG.replace("## [1.2.3]", "## [1.2.30]"))

    assert (done.returncode, done.stdout) == (1, "")


def test_a_release_without_a_section_fails_saying_what_to_add(tmp_path: Path) -> None:
    done = _notes(tmp_path, "v1.3.0")

    assert done.returncode == 1
    assert done.stdout == ""
    assert "has no section for 1.3.0: add '## [1.3.0] - YYYY-MM-DD'" in done.stderr
    assert "tag that commit v1.3.0" in done.stderr


def test_an_empty_section_fails(tmp_path: Path) -> None:
    empty = CHANGELOG.replace("## [1.2.3]", "## [1.3.0] - 2026-02-01\n\n## [1.2.3]")

    done = _notes(tmp_path, "v1.3.0", empty)

    assert done.returncode == 1
    assert "the '## [1.3.0]' section of" in done.stderr and "is empty" in done.stderr


@pytest.mark.parametrize("tag", ["1.2.3", "v1", "v1.2", "v1.2.3-rc.1", "release-1.2.3"])
def test_only_a_release_tag_vX_Y_Z_is_accepted(tmp_path: Path, tag: str) -> None:
    done = _notes(tmp_path, tag)

    assert done.returncode == 2
    assert f"{tag} is not a release tag: releases are tagged vX.Y.Z" in done.stderr


def test_a_missing_changelog_is_named(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "v1.2.3", str(tmp_path / "nowhere.md")], capture_output=True, text=True, check=False
    )

    assert done.returncode == 2
    assert "nowhere.md not found" in done.stderr


def test_the_projects_changelog_keeps_the_format_the_releases_read() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (.*)$", text, flags=re.M)

    assert text.startswith("# Changelog\n")
    assert headings[0] == "[Unreleased]"
    released = [re.fullmatch(r"\[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}", h) for h in headings[1:]]
    assert all(released), headings
    for match in released:
        assert match
        done = subprocess.run([str(SCRIPT), f"v{match[1]}"], capture_output=True, text=True, check=False)
        assert done.returncode == 0 and done.stdout.strip(), done.stderr
