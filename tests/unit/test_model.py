"""Image references parse as registries do."""

from __future__ import annotations

import pytest

from ci_ecs.model import ImageRef


@pytest.mark.parametrize(
    ("ref", "repository", "tag", "digest"),
    [
        ("nginx", "nginx", None, None),
        ("nginx:1.27", "nginx", "1.27", None),
        ("localhost:5000/web", "localhost:5000/web", None, None),
        ("localhost:5000/web:v2", "localhost:5000/web", "v2", None),
        (
            "1.dkr.ecr.us-east-1.amazonaws.com/web@sha256:ab",
            "1.dkr.ecr.us-east-1.amazonaws.com/web",
            None,
            "sha256:ab",
        ),
        ("r.example/a/b:v1@sha256:cd", "r.example/a/b", "v1", "sha256:cd"),
    ],
)
def test_parse_splits_repository_tag_and_digest(
    ref: str, repository: str, tag: str | None, digest: str | None
) -> None:
    parsed = ImageRef.parse(ref)

    assert (parsed.repository, parsed.tag, parsed.digest) == (repository, tag, digest)
    assert str(parsed) == ref


def test_registry_and_path() -> None:
    assert ImageRef.parse("localhost:5000/team/web:v1").registry == "localhost:5000"
    assert ImageRef.parse("localhost:5000/team/web:v1").path == "team/web"
    assert ImageRef.parse("library/nginx").registry == "docker.io"
