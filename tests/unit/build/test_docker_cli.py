"""The docker CLI wrapper: how it asks a registry whether an image is there."""

from __future__ import annotations

from ci_ecs.build.docker_cli import Completed, remote_digest
from ci_ecs.model import ImageRef
from tests.unit.build.fakes import REPO, ScriptedDocker


def test_a_registry_on_this_host_is_asked_over_plain_http() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(1, "no such manifest: 127.0.0.1:5000/web:x")})
    assert remote_digest(docker, ImageRef("127.0.0.1:5000/web", "x")) == (False, None)
    assert "--insecure" in docker.calls[0][0]


def test_a_registry_that_does_not_answer_is_unknown_not_absent() -> None:
    docker = ScriptedDocker({"manifest inspect": Completed(1, "unauthorized: authentication required")})
    assert remote_digest(docker, REPO) == (None, None)
    assert "--insecure" not in docker.calls[0][0]
