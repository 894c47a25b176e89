"""ECS deployments: the circuit-breaker threshold and deployment ids."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.ecs.deployments import new_id, threshold


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
