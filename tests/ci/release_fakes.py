"""Stand-ins for the release pipeline tests: a changelog with releases, commands that record their calls."""

from __future__ import annotations

import os
from pathlib import Path

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added
- something for later

## [1.2.3] - 2026-01-02

### Added

- canary steps

### Fixed
- rollback of a killed job

## [1.2.0] - 2025-12-01

- first feature

[unreleased]: https://example.com/compare/v1.2.3...HEAD
[1.2.3]: https://example.com/compare/v1.2.0...v1.2.3
"""

NOTES_1_2_3 = "### Added\n\n- canary steps\n\n### Fixed\n- rollback of a killed job\n"


def fake_commands(directory: Path, **bodies: str) -> dict[str, str]:
    """An environment with these commands first on PATH; each appends its arguments to `directory/calls`."""
    bin_dir = directory / "fake-bin"
    bin_dir.mkdir()
    for name, body in bodies.items():
        command = bin_dir / name
        command.write_text(f'#!/bin/sh\necho "{name} $*" >> "{directory / "calls"}"\n{body}\n')
        command.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def calls(directory: Path) -> list[str]:
    """The fake commands' calls, in order."""
    log = directory / "calls"
    return log.read_text().splitlines() if log.exists() else []
