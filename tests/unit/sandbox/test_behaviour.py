"""Failure injection: image references split into tag and digest, and the tag suffixes that fail tasks."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.behaviour import of_tags, split_image
from ci_ecs.sandbox.state import Behaviour


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2", ("v2", None)),
        ("localhost:5000/web:v2-crash", ("v2-crash", None)),
        ("localhost:5000/web", (None, None)),
        ("repo/web@sha256:abc", (None, "sha256:abc")),
        ("repo/web:v1@sha256:abc", ("v1", "sha256:abc")),
    ],
)
def test_image_references_split_into_tag_and_digest(image, expected):
    assert split_image(image) == expected


def test_tag_suffixes_inject_failures():
    assert of_tags(["v2"]) == Behaviour()
    assert of_tags(["v2-crash"]) == Behaviour(crash=True)
    assert of_tags(["v2-unhealthy"]) == Behaviour(unhealthy=True)
    assert of_tags(["latest", "v2-slow"]) == Behaviour(slow=True)
    assert of_tags(["v2-errors"]) == Behaviour(errors=True)
    assert of_tags(["v3-latency"]) == Behaviour(latency=True)
    assert of_tags(["errors-v2", "latency"]) == Behaviour()
    assert of_tags(["crash-v2"]) == Behaviour()  # a suffix, not a prefix
