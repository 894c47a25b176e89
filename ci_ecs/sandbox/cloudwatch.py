"""CloudWatch percentile statistics (`p99`, `p90.5`), which moto (5.2.5) cannot compute.

moto answers a percentile `Stat` of GetMetricData with an HTML 500 (it has no value to serialize) and
leaves `ExtendedStatistics` of GetMetricStatistics out of every datapoint. The sandbox computes them over the
single values stored in the period (values sent as StatisticValues carry no distribution and are left out).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

PERCENTILE = re.compile(r"p(\d{1,3}(?:\.\d{1,10})?)")


def percentile_of(stat: str) -> float | None:
    """The percentage a percentile statistic names (`p99` → 99.0), or None if `stat` is none (0–100)."""
    match = PERCENTILE.fullmatch(stat)
    if match is None:
        return None
    value = float(match.group(1))
    return value if value <= 100 else None


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """The smallest value with at least `percent` % of the values at or below it (None: no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def statistic(original: Any) -> Any:
    def get_statistics_for_type(self: Any, stat: str) -> Any:
        percent = percentile_of(stat)
        if percent is None:
            return original(self, stat)
        return nearest_rank(self.metric_single_values_list, percent)

    return get_statistics_for_type


def get_metric_data(original: Any) -> Any:
    def get_metric_data(self: Any, *args: Any, **kwargs: Any) -> Any:
        results = original(self, *args, **kwargs)
        for result in results:  # a period without a value for the statistic has no datapoint, as in AWS
            pairs = zip(result["timestamps"], result["values"], strict=True)
            kept = [(stamp, value) for stamp, value in pairs if value is not None]
            result["timestamps"] = [stamp for stamp, _ in kept]
            result["values"] = [value for _, value in kept]
        return results

    return get_metric_data


def get_metric_statistics(original: Any) -> Any:
    def get_metric_statistics(self: Any) -> Any:
        result = original(self)
        wanted = [(name, percentile_of(name)) for name in self._get_param("ExtendedStatistics") or []]
        for datapoint in result.result["Datapoints"] if wanted else []:
            values = datapoint.metric_single_values_list
            found = {name: nearest_rank(values, percent) for name, percent in wanted if percent is not None}
            datapoint.extended_statistics = {name: v for name, v in found.items() if v is not None}
        return result

    return get_metric_statistics
