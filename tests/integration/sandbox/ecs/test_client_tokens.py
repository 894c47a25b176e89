"""Client tokens on RunTask, CreateTaskSet and CreateService: a repeat is answered, not carried out."""

from __future__ import annotations

import botocore.exceptions
import pytest


def _network(sample):
    return {
        "awsvpcConfiguration": {
            "subnets": list(sample.subnets),
            "securityGroups": list(sample.security_groups),
        }
    }


def _run(aws, sample, token, cluster=None, count=1):
    return aws.ecs.run_task(
        cluster=cluster or sample.cluster,
        taskDefinition=sample.task_family,
        launchType="FARGATE",
        startedBy="tokens",
        count=count,
        networkConfiguration=_network(sample),
        clientToken=token,
    )


def _started(aws, sample, cluster=None):
    return aws.ecs.list_tasks(cluster=cluster or sample.cluster, startedBy="tokens")["taskArns"]


def test_run_task_repeated_with_its_token_returns_the_first_tasks_and_starts_none(aws, sample):
    first = _run(aws, sample, "job-1-run")["tasks"]

    again = _run(aws, sample, "job-1-run")["tasks"]

    assert [t["taskArn"] for t in again] == [t["taskArn"] for t in first]
    assert _started(aws, sample) == [first[0]["taskArn"]]


def test_run_task_with_a_token_of_another_request_is_a_conflict_naming_its_tasks(aws, sample):
    first = _run(aws, sample, "job-1-run")["tasks"]

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _run(aws, sample, "job-1-run", count=2)

    assert raised.value.response["Error"]["Code"] == "ConflictException"
    assert dict(raised.value.response).get("resourceIds") == [first[0]["taskArn"]]
    assert len(_started(aws, sample)) == 1


def test_run_task_tokens_are_per_cluster_and_new_tokens_start_new_tasks(aws, sample):
    aws.ecs.create_cluster(clusterName="other")
    _run(aws, sample, "job-1-run")

    _run(aws, sample, "job-1-run", cluster="other")
    _run(aws, sample, "job-2-run")

    assert len(_started(aws, sample)) == 2
    assert len(_started(aws, sample, "other")) == 1


def _create_task_set(aws, sample, token, scale=10.0):
    return aws.ecs.create_task_set(
        cluster=sample.cluster,
        service=sample.external_service,
        taskDefinition=sample.external_task_family,
        externalId="tokens",
        launchType="FARGATE",
        networkConfiguration=_network(sample),
        loadBalancers=[
            {
                "targetGroupArn": sample.canary_target_group_arn,
                "containerName": sample.container,
                "containerPort": sample.container_port,
            }
        ],
        scale={"value": scale, "unit": "PERCENT"},
        clientToken=token,
    )["taskSet"]


def test_create_task_set_repeated_with_its_token_returns_the_same_task_set(aws, sample):
    first = _create_task_set(aws, sample, "job-1-set")

    again = _create_task_set(aws, sample, "job-1-set")

    assert again["taskSetArn"] == first["taskSetArn"]
    assert sorted(t["id"] for t in aws.task_sets() if t["status"] != "PRIMARY") == [first["id"]]


def test_create_task_set_with_a_token_of_another_request_is_refused(aws, sample):
    _create_task_set(aws, sample, "job-1-set")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create_task_set(aws, sample, "job-1-set", scale=20.0)

    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert len(aws.task_sets()) == 2
    assert len(_create_task_set(aws, sample, "job-2-set", scale=20.0)["id"]) > 0
    assert len(aws.task_sets()) == 3


def _create_service(aws, sample, token, count=1):
    return aws.ecs.create_service(
        cluster=sample.cluster,
        serviceName="web-tokens",
        taskDefinition=sample.task_family,
        desiredCount=count,
        launchType="FARGATE",
        networkConfiguration=_network(sample),
        clientToken=token,
    )["service"]


def test_create_service_repeated_with_its_token_returns_the_same_service_and_its_deployment(aws, sample):
    first = _create_service(aws, sample, "job-1-service")

    again = _create_service(aws, sample, "job-1-service")

    assert again["serviceArn"] == first["serviceArn"]
    assert [d["id"] for d in again["deployments"]] == [d["id"] for d in first["deployments"]]


def test_create_service_with_a_token_of_another_request_is_not_idempotent(aws, sample):
    _create_service(aws, sample, "job-1-service")

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _create_service(aws, sample, "job-1-service", count=2)

    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterException",
        "Creation of service was not idempotent.",
    )
    described = aws.ecs.describe_services(cluster=sample.cluster, services=["web-tokens"])["services"]
    assert [s["desiredCount"] for s in described] == [1]
