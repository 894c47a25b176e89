"""The deployment configuration a native job sends: settings applied, differences named, our pause hook."""

from __future__ import annotations

from typing import Any

import pytest

from ci_ecs.errors import PreconditionError
from ci_ecs.settings import NativeSettings
from ci_ecs.strategies.native import configuration as configs

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-{}/0123456789abcdef"
RULE = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/demo/1/2/{}"
LINEAR = {
    "strategy": "LINEAR",
    "bakeTimeInMinutes": 5,
    "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def _service(configuration: dict[str, Any], advanced: bool = True) -> dict[str, Any]:
    balancer: dict[str, Any] = {
        "targetGroupArn": TG.format("blue"),
        "containerName": "web",
        "containerPort": 80,
    }
    if advanced:
        balancer["advancedConfiguration"] = {
            "alternateTargetGroupArn": TG.format("green"),
            "productionListenerRule": RULE.format("prod"),
            "testListenerRule": RULE.format("test"),
            "roleArn": "arn:aws:iam::123456789012:role/ecs-elb",
        }
    return {"serviceName": "web", "deploymentConfiguration": configuration, "loadBalancers": [balancer]}


def test_settings_the_service_already_has_change_nothing() -> None:
    wanted, changes = configs.wanted(LINEAR, NativeSettings(type="linear", step_percent=10, bake_minutes=5))
    assert changes == []
    assert wanted == LINEAR


def test_each_difference_names_its_key_and_both_values() -> None:
    native = NativeSettings(type="canary", canary_percent=5, canary_bake_minutes=2, bake_minutes=5)
    wanted, changes = configs.wanted(LINEAR, native)
    assert changes == [
        "native.type: the service has linear, the config says canary",
        "native.canary_percent: the service has none, the config says 5",
        "native.canary_bake_minutes: the service has none, the config says 2",
    ]
    assert wanted["strategy"] == "CANARY"
    assert wanted["canaryConfiguration"] == {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 2}
    assert wanted["maximumPercent"] == 200  # what the settings do not name stays as the service has it
    assert LINEAR["strategy"] == "LINEAR"  # the service's copy is not touched


def test_alarms_differ_only_when_the_watched_set_differs() -> None:
    current = {**LINEAR, "alarms": {"alarmNames": ["b", "a"], "enable": True, "rollback": True}}
    assert configs.wanted(current, NativeSettings(alarms=("a", "b")))[1] == []
    changes = configs.wanted(current, NativeSettings(alarms=("a",)))[1]
    assert changes == ["native.alarms: the service has b, a, the config says a"]
    off = {**LINEAR, "alarms": {"alarmNames": ["a"], "enable": False, "rollback": False}}
    assert configs.wanted(off, NativeSettings(alarms=()))[1] == []


def test_a_rolling_service_is_refused_naming_native_type() -> None:
    with pytest.raises(PreconditionError, match=r"^native.type: service web deploys by ROLLING"):
        configs.check(_service({"strategy": "ROLLING"}), {"strategy": "ROLLING"}, pause=False)


def test_a_load_balancer_without_advanced_configuration_is_refused() -> None:
    with pytest.raises(PreconditionError, match="has no advancedConfiguration"):
        configs.check(_service(LINEAR, advanced=False), LINEAR, pause=False)


def test_blue_green_without_a_bake_time_is_refused_naming_the_key() -> None:
    with pytest.raises(PreconditionError, match=r"^native.bake_minutes:"):
        configs.check(_service({"strategy": "BLUE_GREEN"}), {"strategy": "BLUE_GREEN"}, pause=False)


def test_a_pause_hook_of_the_service_where_the_canary_pauses_is_refused_for_canary_deploy_only() -> None:
    theirs = {"targetType": "PAUSE", "lifecycleStages": ["PRE_PRODUCTION_TRAFFIC_SHIFT"]}
    configuration = {**LINEAR, "lifecycleHooks": [theirs]}
    configs.check(_service(configuration), configuration, pause=False)
    with pytest.raises(
        PreconditionError, match="has a pause hook of its own at PRE_PRODUCTION_TRAFFIC_SHIFT"
    ):
        configs.check(_service(configuration), configuration, pause=True)


def test_the_pause_is_added_beside_the_services_hooks_and_removed_without_touching_them() -> None:
    lambda_hook = {"targetType": "AWS_LAMBDA", "hookTargetArn": "arn:aws:lambda:::function:check"}
    paused = configs.with_pause({**LINEAR, "lifecycleHooks": [lambda_hook]}, True, 90 * 60)
    ours = paused["lifecycleHooks"][1]
    assert paused["lifecycleHooks"][0] == lambda_hook
    assert configs.is_ours(ours)
    assert ours["lifecycleStages"] == ["PRE_PRODUCTION_TRAFFIC_SHIFT"]
    assert ours["timeoutConfiguration"] == {"timeoutInMinutes": 90, "action": "ROLLBACK"}
    assert configs.with_pause(paused, False, 60)["lifecycleHooks"] == [lambda_hook]


@pytest.mark.parametrize(("strategy", "stage"), list(configs.PAUSE_STAGES.items()))
def test_blue_green_pauses_after_the_test_shift_canary_and_linear_after_a_production_step(
    strategy: str, stage: str
) -> None:
    paused = configs.with_pause({"strategy": strategy, "bakeTimeInMinutes": 1}, True, 60)
    assert paused["lifecycleHooks"][0]["lifecycleStages"] == [stage]
    assert (stage == "POST_TEST_TRAFFIC_SHIFT") == (strategy == "BLUE_GREEN")


def test_a_pause_timeout_is_whole_minutes_within_what_ecs_takes() -> None:
    hook = configs.with_pause(LINEAR, True, 30)["lifecycleHooks"][0]
    assert hook["timeoutConfiguration"]["timeoutInMinutes"] == 1
    hook = configs.with_pause(LINEAR, True, 20 * 86400)["lifecycleHooks"][0]
    assert hook["timeoutConfiguration"]["timeoutInMinutes"] == 20160


def test_a_canary_that_moves_all_production_traffic_in_one_step_is_refused_naming_the_key() -> None:
    service = _service({})
    with pytest.raises(PreconditionError, match=r"native\.canary_percent or native\.step_percent"):
        configs.check(service, {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, True)
    with pytest.raises(PreconditionError, match="leaves no step to verify"):
        configs.check(service, {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 100.0}}, True)
    configs.check(service, {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 100.0}}, False)
    configs.check(service, {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0}}, True)
