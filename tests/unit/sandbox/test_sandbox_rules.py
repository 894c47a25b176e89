"""Pure AWS rules the sandbox applies: image-tag failure injection and the circuit-breaker threshold."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.behaviour import of_tags, split_image
from ci_ecs.sandbox.deployments import new_id, threshold
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
    assert of_tags(["crash-v2"]) == Behaviour()  # a suffix, not a prefix


@pytest.mark.parametrize(
    ("desired", "expected"), [(0, 3), (1, 3), (3, 3), (7, 4), (10, 5), (400, 200), (1000, 200)]
)
def test_circuit_breaker_threshold_is_half_the_desired_count_clamped_to_3_200(desired, expected):
    assert threshold({"enable": True}, desired) == expected


def test_circuit_breaker_threshold_configuration_types():
    assert threshold({"thresholdConfiguration": {"type": "COUNT", "value": 7}}, 100) == 7
    assert threshold({"thresholdConfiguration": {"type": "UNBOUNDED_PERCENT", "value": 50}}, 1000) == 500
    assert threshold({"thresholdConfiguration": {"type": "BOUNDED_PERCENT", "value": 10}}, 10) == 3


def test_deployment_ids_look_like_ecs_ones():
    ident = new_id()
    assert ident.startswith("ecs-svc/") and len(ident) == len("ecs-svc/") + 19 and ident[8:].isdigit()
