"""Task sets: the computed desired count of a scale percentage."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.ecs.tasksets import computed_count


@pytest.mark.parametrize(
    ("desired", "percent", "expected"),
    [(3, 34, 2), (3, 33.4, 2), (3, 100, 3), (10, 70, 7), (10, 10, 1), (10, 0, 0), (0, 50, 0), (5, 1, 1)],
)
def test_computed_desired_count_rounds_up_exactly(desired, percent, expected):
    assert computed_count(desired, {"value": percent, "unit": "PERCENT"}) == expected
