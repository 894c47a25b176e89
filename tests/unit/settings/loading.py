"""Loading settings in the tests: a ci-ecs.yml in tmp_path, and the one-line error it raises."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from ci_ecs.errors import ConfigError
from ci_ecs.settings import Settings, load_settings

BASE = "cluster: main\nservice: web\n"


def load(
    tmp_path: Path,
    text: str | None = BASE,
    *,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, object] | None = None,
    environment: str | None = None,
) -> Settings:
    """Settings from a ci-ecs.yml holding `text` (no file when None), in tmp_path as the working directory."""
    path = None
    if text is not None:
        path = tmp_path / "ci-ecs.yml"
        path.write_text(text)
    return load_settings(path, environment=environment, env=env or {}, flags=flags or {})


def fails(tmp_path: Path, text: str | None = BASE, **kwargs: object) -> str:
    """The one-line message of the ConfigError (exit 2) that loading raises."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message
    return message
