"""The sandbox's clock: the tick and every simulated duration, from the environment."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.config import DEFAULT_TICK, SimConfig, from_env


def test_tick_comes_from_the_environment_unless_given_explicitly():
    assert from_env({}).tick == DEFAULT_TICK
    assert from_env({"CI_ECS_SANDBOX_TICK": "0.02"}).tick == 0.02
    assert from_env({"CI_ECS_SANDBOX_TICK": "0.02"}, tick=0.5).tick == 0.5


def test_every_duration_can_be_set_in_ticks_from_the_environment():
    config = from_env({"CI_ECS_SANDBOX_SLOW_PENDING_TICKS": "40", "CI_ECS_SANDBOX_DRAIN_TICKS": "0"})
    assert (config.slow_pending_ticks, config.drain_ticks) == (40, 0)
    assert config.pending_ticks == SimConfig().pending_ticks


def test_traffic_and_metrics_rates_come_from_the_environment():
    assert (SimConfig().requests_per_tick, SimConfig().metrics_ticks) == (100, 10)
    config = from_env({"CI_ECS_SANDBOX_REQUESTS_PER_TICK": "0", "CI_ECS_SANDBOX_METRICS_TICKS": "1"})
    assert (config.requests_per_tick, config.metrics_ticks) == (0, 1)


@pytest.mark.parametrize(
    ("env", "message"),
    [({"CI_ECS_SANDBOX_TICK": "fast"}, "CI_ECS_SANDBOX_TICK"), ({"CI_ECS_SANDBOX_TICK": "0"}, "> 0")],
)
def test_bad_settings_are_refused_naming_the_variable(env, message):
    with pytest.raises(ValueError, match=message):
        from_env(env)
