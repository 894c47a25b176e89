"""Exact ECS request shapes, and how AWS errors become ci-ecs errors (botocore Stubber)."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import ecs, tasksets
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import AwsError, CiEcsError, PreconditionError

SERVICE = {
    "serviceName": "web",
    "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/demo/web",
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/demo",
    "status": "ACTIVE",
    "deploymentConfiguration": {
        "maximumPercent": 150,
        "minimumHealthyPercent": 50,
        "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
    },
}
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"


def test_update_service_keeps_percentages_and_alarms_and_sets_the_circuit_breaker(
    stub: tuple[Aws, Stubber],
) -> None:
    aws, stubber = stub
    stubber.add_response(
        "update_service",
        {"service": {**SERVICE, "taskDefinition": TD}},
        {
            "cluster": SERVICE["clusterArn"],
            "service": "web",
            "taskDefinition": TD,
            "deploymentConfiguration": {
                "maximumPercent": 150,
                "minimumHealthyPercent": 50,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
            },
        },
    )

    ecs.update_service(aws, SERVICE, TD, circuit_breaker=True)


def test_missing_service_is_a_precondition_naming_service_and_cluster(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response(
        "describe_services",
        {
            "services": [],
            "failures": [{"arn": "arn:aws:ecs:us-east-1:123456789012:service/demo/api", "reason": "MISSING"}],
        },
    )

    with pytest.raises(
        PreconditionError, match=r"^service: service api in cluster demo \(us-east-1\) not found"
    ):
        ecs.describe_service(aws, "demo", "api")


def test_missing_cluster_is_a_precondition_naming_cluster(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("describe_services", "ClusterNotFoundException", "Cluster not found.")

    with pytest.raises(PreconditionError) as caught:
        ecs.describe_service(aws, "nope", "web")

    assert str(caught.value) == (
        "cluster: cluster nope not found in us-east-1 — check `cluster:` and `region:`"
    )
    assert isinstance(caught.value, AwsError)
    assert caught.value.code == "ClusterNotFoundException"
    assert caught.value.exit_code == 3


def test_find_service_is_none_for_a_missing_or_draining_service(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    missing = {"arn": "arn:aws:ecs:us-east-1:123456789012:service/demo/web", "reason": "MISSING"}
    stubber.add_response("describe_services", {"services": [], "failures": [missing]})
    stubber.add_response("describe_services", {"services": [{**SERVICE, "status": "DRAINING"}]})
    stubber.add_response("describe_services", {"services": [SERVICE]})

    assert ecs.find_service(aws, "demo", "web") is None
    assert ecs.find_service(aws, "demo", "web") is None
    assert ecs.find_service(aws, "demo", "web") == SERVICE


def test_find_service_raises_when_the_cluster_is_missing(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("describe_services", "ClusterNotFoundException", "Cluster not found.")

    with pytest.raises(AwsError, match=r"^cluster: cluster nope not found in us-east-1") as caught:
        ecs.find_service(aws, "nope", "web")

    assert caught.value.code == "ClusterNotFoundException"


def test_a_draining_service_is_a_precondition_naming_its_status(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response("describe_services", {"services": [{**SERVICE, "status": "DRAINING"}]})

    with pytest.raises(
        PreconditionError,
        match=r"^service: service web in cluster demo \(us-east-1\) is DRAINING, not ACTIVE$",
    ):
        ecs.describe_service(aws, "demo", "web")


def test_access_denied_is_a_precondition_saying_what_we_were_doing() -> None:
    aws = Aws("us-east-1")
    with Stubber(aws.client("ecs", retried=False)) as once:  # a registration retries by itself
        once.add_client_error("register_task_definition", "AccessDeniedException", "not authorized")

        with pytest.raises(
            PreconditionError, match="registering a revision of task definition web: AccessDenied"
        ):
            ecs.register_task_definition(aws, {"family": "web", "containerDefinitions": []})


def test_other_aws_errors_are_plain_failures(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("update_service", "ServerException", "internal", http_status_code=500)

    with pytest.raises(AwsError) as caught:
        ecs.update_service(aws, SERVICE, TD, circuit_breaker=False)

    assert not isinstance(caught.value, PreconditionError)
    assert caught.value.exit_code == 1
    assert caught.value.code == "ServerException"
    assert str(caught.value) == "updating service web to web:7: ServerException: internal"


@pytest.mark.parametrize("code", ["ServiceNotFoundException", "ServiceNotActiveException"])
def test_deleting_a_service_already_gone_is_fine(stub: tuple[Aws, Stubber], code: str) -> None:
    aws, stubber = stub
    stubber.add_client_error("delete_service", code, "gone", http_status_code=400)

    ecs.delete_service(aws, SERVICE)


def test_deleting_a_task_set_already_gone_is_fine_but_other_errors_are_not(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("delete_task_set", "TaskSetNotFoundException", "gone", http_status_code=400)
    stubber.add_client_error("delete_task_set", "ServerException", "internal", http_status_code=500)

    tasksets.delete(aws, SERVICE, "arn:aws:ecs:us-east-1:123456789012:task-set/demo/web/ecs-svc-1")
    with pytest.raises(CiEcsError, match="deleting task set ecs-svc-1: ServerException"):
        tasksets.delete(aws, SERVICE, "arn:aws:ecs:us-east-1:123456789012:task-set/demo/web/ecs-svc-1")
