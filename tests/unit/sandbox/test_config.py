"""The sandbox's clock: the tick and every simulated duration, from the environment."""

from __future__ import annotations

import pytest

from ci_ecs.sandbox.config import AWS_SECONDS, DEFAULT_TICK, PROFILES, SimConfig, from_env, parse_time_scale


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


def test_answers_of_errors_and_latency_apps_come_from_the_environment_and_ignore_the_time_scale():
    defaults = SimConfig()
    assert (defaults.error_percent, defaults.response_seconds, defaults.slow_response_seconds) == (
        50,
        0.05,
        2.5,
    )
    config = from_env(
        {
            "CI_ECS_SANDBOX_ERROR_PERCENT": "10",
            "CI_ECS_SANDBOX_RESPONSE_SECONDS": "0.2",
            "CI_ECS_SANDBOX_SLOW_RESPONSE_SECONDS": "4",
        },
        time_scale=10,
    )
    assert (config.error_percent, config.response_seconds, config.slow_response_seconds) == (10, 0.2, 4.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CI_ECS_SANDBOX_TICK": "fast"}, "CI_ECS_SANDBOX_TICK"),
        ({"CI_ECS_SANDBOX_TICK": "0"}, "> 0"),
        ({"CI_ECS_SANDBOX_ERROR_PERCENT": "101"}, "ERROR_PERCENT must be at most 100"),
        ({"CI_ECS_SANDBOX_ERROR_PERCENT": "12.5"}, "CI_ECS_SANDBOX_ERROR_PERCENT"),
        ({"CI_ECS_SANDBOX_SLOW_RESPONSE_SECONDS": "-0.5"}, "SLOW_RESPONSE_SECONDS must be >= 0"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(env, message):
    with pytest.raises(ValueError, match=message):
        from_env(env)


def test_by_default_no_time_scale_and_the_fast_tick_counts_of_before():
    config = from_env({})
    assert config == SimConfig() and config.time_scale is None
    counts = {name: getattr(config, name) for name in AWS_SECONDS}
    assert counts == {
        "provisioning_ticks": 1,
        "pending_ticks": 2,
        "slow_pending_ticks": 18,
        "healthy_ticks": 2,
        "unhealthy_ticks": 3,
        "unhealthy_report_ticks": 2,
        "crash_ticks": 2,
        "command_ticks": 2,
        "drain_ticks": 4,
        "stopping_ticks": 2,
        "metrics_ticks": 10,
        "minute_ticks": 10,
        "autoscaling_ticks": 10,
    }


def test_under_a_time_scale_every_duration_is_aws_seconds_divided_by_it_in_ticks_of_the_same_length():
    config = from_env({}, time_scale=10)  # 0.1 s ticks: one tick is one AWS second
    assert (config.tick, config.time_scale) == (DEFAULT_TICK, 10)
    assert {name: getattr(config, name) for name in AWS_SECONDS} == AWS_SECONDS
    assert config.minute_ticks == 60 and config.seconds(config.minute_ticks) == pytest.approx(60)
    fast = from_env({}, tick=0.05, time_scale=60)  # one tick is 3 AWS seconds
    assert (fast.provisioning_ticks, fast.pending_ticks, fast.drain_ticks, fast.minute_ticks) == (
        5,
        10,
        100,
        20,
    )
    assert (fast.event_cap, fast.requests_per_tick) == (SimConfig().event_cap, SimConfig().requests_per_tick)


def test_a_duration_shorter_than_a_tick_still_lasts_one_and_zero_stays_zero():
    config = SimConfig(tick=0.1).at_scale(600)  # one tick is a minute of AWS time
    assert (config.ticks_for(15), config.ticks_for(100), config.ticks_for(0)) == (1, 2, 0)
    assert config.at_scale(None) == SimConfig(tick=0.1)


def test_the_time_scale_comes_from_the_variable_a_profile_name_or_the_argument_and_ticks_variables_beat_it():
    assert from_env({"CI_ECS_SANDBOX_TIME_SCALE": "realistic"}).time_scale == PROFILES["realistic"] == 10
    assert from_env({"CI_ECS_SANDBOX_TIME_SCALE": " 2.5 "}).time_scale == 2.5
    assert from_env({"CI_ECS_SANDBOX_TIME_SCALE": "realistic"}, time_scale=60).time_scale == 60
    assert from_env({"CI_ECS_SANDBOX_TIME_SCALE": ""}).time_scale is None
    pinned = from_env({"CI_ECS_SANDBOX_TIME_SCALE": "1", "CI_ECS_SANDBOX_PENDING_TICKS": "7"})
    assert (pinned.pending_ticks, pinned.provisioning_ticks) == (7, 150)


@pytest.mark.parametrize("raw", ["0", "-1", "-0.5", "fast", "Realistick", "nan", "inf", ""])
def test_a_bad_time_scale_is_refused_saying_what_it_takes(raw):
    with pytest.raises(ValueError, match=r"is not a time scale — give a number > 0 .* realistic \(= 10\)"):
        parse_time_scale(raw)


def test_a_bad_time_scale_variable_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"^CI_ECS_SANDBOX_TIME_SCALE: '0' is not a time scale"):
        from_env({"CI_ECS_SANDBOX_TIME_SCALE": "0"})
