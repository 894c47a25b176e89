"""CodeDeploy blue/green for the CODE_DEPLOY service `web-bg`, driven with plain boto3 over HTTP."""

from __future__ import annotations

import re

import boto3
import botocore.exceptions
import pytest

from tests.integration.sandbox.codedeploy.helpers import BlueGreen


@pytest.fixture
def bg(aws, sandbox):
    codedeploy = boto3.client(
        "codedeploy",
        endpoint_url=sandbox.endpoint,
        region_name=aws.sample.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return BlueGreen(aws, codedeploy)


def _steady_primary(bg):
    sets = bg.task_sets()
    return sets if len(sets) == 1 and sets[0]["stabilityStatus"] == "STEADY_STATE" else None


def test_code_deploy_service_starts_with_a_primary_task_set_in_the_blue_group(bg, aws, sample):
    service = aws.ecs.describe_services(cluster="demo", services=["web-bg"])["services"][0]
    assert service["deploymentController"] == {"type": "CODE_DEPLOY"}
    assert (service["runningCount"], service["desiredCount"]) == (2, 2)
    [primary] = service["taskSets"]
    assert (primary["status"], primary["stabilityStatus"], primary["runningCount"]) == (
        "PRIMARY",
        "STEADY_STATE",
        2,
    )
    assert primary["taskDefinition"] == service["taskDefinition"]
    health = aws.targets(sample.blue_target_group_arn)
    assert [h["State"] for h in health.values()] == ["healthy", "healthy"]
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 1}


def test_update_service_task_definition_on_code_deploy_service_is_refused(bg, aws):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        aws.ecs.update_service(cluster="demo", service="web-bg", taskDefinition=bg.revision("v2"))
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "Use AWS CodeDeploy" in raised.value.response["Error"]["Message"]


def test_deployment_waits_ready_on_test_listener_then_continue_shifts_and_succeeds(bg, aws, sample):
    bg.create_group(ready_wait=60, termination_wait=1)
    deployment_id = bg.deploy("v2")
    assert re.fullmatch(r"d-[A-Z0-9]{9}", deployment_id)

    ready = bg.wait_status(deployment_id, "Ready")
    assert ready["deploymentOverview"]["Ready"] == 1
    assert bg.weights(sample.test_listener_arn) == {"web-bg-blue": 0, "web-bg-green": 100}
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    target = bg.target(deployment_id)
    assert target["status"] == "Ready"
    labels = {s["taskSetLabel"]: s for s in target["taskSetsInfo"]}
    assert (labels["Green"]["runningCount"], labels["Green"]["trafficWeight"]) == (2, 0.0)
    assert labels["Blue"]["trafficWeight"] == 100.0
    events = {e["lifecycleEventName"]: e["status"] for e in target["lifecycleEvents"]}
    assert events["AllowTestTraffic"] == "Succeeded" and events["AllowTraffic"] == "Pending"
    green_health = aws.targets(sample.green_target_group_arn)
    assert [h["State"] for h in green_health.values()] == ["healthy", "healthy"]
    assert bg.codedeploy.list_deployments(
        applicationName=bg.application, deploymentGroupName=bg.group, includeOnlyStatuses=["Ready"]
    )["deployments"] == [deployment_id]

    bg.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
    waiting = aws.wait_for(
        lambda: (i := bg.info(deployment_id))["instanceTerminationWaitTimeStarted"] and i, "termination wait"
    )
    assert waiting["status"] == "InProgress"  # AWS: still InProgress while blue waits to be terminated
    done = bg.wait_status(deployment_id, "Succeeded")
    assert done["deploymentOverview"]["Succeeded"] == 1
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 0, "web-bg-green": 100}
    service = aws.ecs.describe_services(cluster="demo", services=["web-bg"])["services"][0]
    [primary] = service["taskSets"]
    assert primary["status"] == "PRIMARY" and primary["taskDefinition"] == service["taskDefinition"]
    assert service["taskDefinition"].endswith("web-bg:2")
    assert aws.targets(sample.blue_target_group_arn) == {}
    assert all(e["status"] == "Succeeded" for e in bg.target(deployment_id)["lifecycleEvents"])


def test_next_deployment_goes_back_to_the_blue_group(bg, aws, sample):
    bg.create_group(ready_wait=None, termination_wait=0)
    bg.wait_status(bg.deploy("v2"), "Succeeded")
    second = bg.deploy("v3")
    bg.wait_status(second, "Succeeded")
    assert bg.weights(sample.production_listener_arn) == {"web-bg-green": 0, "web-bg-blue": 100}
    [primary] = bg.task_sets()
    assert primary["loadBalancers"][0]["targetGroupArn"] == sample.blue_target_group_arn


def test_unhealthy_replacement_fails_and_rolls_back_with_production_on_blue(bg, aws, sample):
    bg.create_group(ready_wait=60, rollback=True)
    deployment_id = bg.deploy("v2-unhealthy")
    failed = bg.wait_status(deployment_id, "Failed")
    assert failed["errorInformation"]["code"] == "ECS_UPDATE_ERROR"
    rollback_id = failed["rollbackInfo"]["rollbackDeploymentId"]
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    assert bg.weights(sample.test_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    rollback = bg.wait_status(rollback_id, "Succeeded")
    assert (rollback["creator"], rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"]) == (
        "codeDeployRollback",
        deployment_id,
    )
    [primary] = aws.wait_for(lambda: _steady_primary(bg), "only blue left")
    assert primary["loadBalancers"][0]["targetGroupArn"] == sample.blue_target_group_arn
    events = {e["lifecycleEventName"]: e["status"] for e in bg.target(deployment_id)["lifecycleEvents"]}
    assert (events["Install"], events["AllowTraffic"]) == ("Failed", "Skipped")


def test_unhealthy_replacement_without_auto_rollback_fails_and_leaves_green(bg, aws, sample):
    bg.create_group(ready_wait=60, rollback=False)
    deployment_id = bg.deploy("v2-unhealthy")
    failed = bg.wait_status(deployment_id, "Failed")
    assert failed["rollbackInfo"] == {} or "rollbackDeploymentId" not in failed["rollbackInfo"]
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    assert {s["status"] for s in bg.task_sets()} == {"PRIMARY", "ACTIVE"}


def test_stop_with_rollback_moves_test_traffic_back_and_removes_green(bg, aws, sample):
    bg.create_group(ready_wait=60)
    deployment_id = bg.deploy("v2")
    bg.wait_status(deployment_id, "Ready")
    reply = bg.codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    assert reply["status"] == "Succeeded"
    stopped = bg.info(deployment_id)
    assert (stopped["status"], stopped["errorInformation"]["code"]) == ("Stopped", "MANUAL_STOP")
    assert bg.weights(sample.test_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    assert bg.weights(sample.production_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}
    [primary] = aws.wait_for(lambda: _steady_primary(bg), "green removed")
    assert primary["loadBalancers"][0]["targetGroupArn"] == sample.blue_target_group_arn
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        bg.codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    assert raised.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


def test_continue_before_ready_is_refused_and_second_deployment_is_limited(bg):
    bg.create_group(ready_wait=60)
    deployment_id = bg.deploy("v2-slow")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        bg.codedeploy.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
    assert raised.value.response["Error"]["Code"] == "DeploymentIsNotInReadyStateException"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        bg.deploy("v3")
    assert raised.value.response["Error"]["Code"] == "DeploymentLimitExceededException"


def test_ready_wait_timeout_stops_the_deployment(bg, sample):
    bg.create_group(ready_wait=1)  # one (sandbox) minute
    deployment_id = bg.deploy("v2")
    stopped = bg.wait_status(deployment_id, "Stopped")
    assert stopped["errorInformation"]["code"] == "TIMEOUT"
    assert bg.weights(sample.test_listener_arn) == {"web-bg-blue": 100, "web-bg-green": 0}


@pytest.mark.parametrize(
    ("config", "steps"),
    [
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", [10, 100]),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", list(range(10, 101, 10))),
    ],
)
def test_canary_and_linear_configs_shift_production_in_steps(bg, aws, sample, config, steps):
    bg.create_group(ready_wait=None, termination_wait=0, config=config)
    deployment_id = bg.deploy("v2")
    seen: list[float] = []

    def record():
        weight = bg.weights(sample.production_listener_arn).get("web-bg-green", 0)
        if weight and (not seen or seen[-1] != weight):
            seen.append(weight)
        return bg.status(deployment_id, "Succeeded")

    aws.wait_for(record, "the deployment to succeed", timeout=90, every=0.02)
    assert seen == steps
    assert bg.info(deployment_id)["deploymentConfigName"] == config


def test_deployment_configs_and_group_validation(bg, sample):
    config = bg.codedeploy.get_deployment_config(
        deploymentConfigName="CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
    )["deploymentConfigInfo"]
    assert (config["computePlatform"], config["trafficRoutingConfig"]) == (
        "ECS",
        {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3}},
    )
    bg.codedeploy.create_application(applicationName="other", computePlatform="ECS")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        bg.codedeploy.create_deployment_group(
            applicationName="other",
            deploymentGroupName="g",
            serviceRoleArn=sample.codedeploy_role_arn,
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            ecsServices=[{"serviceName": "web", "clusterName": "demo"}],
        )
    assert raised.value.response["Error"]["Code"] == "InvalidECSServiceException"


def test_simulated_traffic_follows_the_production_and_test_listeners(bg, aws, sample, sandbox):
    bg.create_group(ready_wait=60)
    deployment_id = bg.deploy("v2")
    bg.wait_status(deployment_id, "Ready")
    sandbox.reset_traffic()
    blue, green = sample.blue_target_group_arn, sample.green_target_group_arn
    aws.wait_for(lambda: sandbox.traffic().by_target_group.get(green), "requests to green")
    ready = sandbox.traffic()
    # Production (default rule of :8081) still all on blue/v1; the test listener sends everything to green/v2.
    assert (ready.share("v1", [blue]), ready.share("v2", [green])) == (100.0, 100.0)
    assert ready.by_target_group[green].target_5xx == 0

    bg.codedeploy.continue_deployment(deploymentId=deployment_id)
    bg.wait_status(deployment_id, "Succeeded")
    sandbox.reset_traffic()
    aws.wait_for(lambda: sandbox.traffic().ticks >= 5, "a few ticks of traffic")
    done = sandbox.traffic()
    assert done.share("v2", [blue, green]) == 100.0
    assert blue not in done.by_target_group
