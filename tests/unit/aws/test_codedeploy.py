"""Exact CodeDeploy request shapes, and which AWS answers mean an expected state (botocore Stubber)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import codedeploy
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import CiEcsError, PreconditionError

SPEC = {"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service"}}]}


@pytest.fixture
def stub() -> Iterator[tuple[Aws, Stubber]]:
    aws = Aws("us-east-1")
    with Stubber(aws.client("codedeploy")) as stubber:
        yield aws, stubber
        stubber.assert_no_pending_responses()


def test_create_deployment_sends_the_appspec_as_json_content_with_its_sha256(
    stub: tuple[Aws, Stubber],
) -> None:
    aws, stubber = stub
    content = json.dumps(SPEC, sort_keys=True, separators=(",", ":"))
    stubber.add_response(
        "create_deployment",
        {"deploymentId": "d-ABC"},
        {
            "applicationName": "AppECS-demo-web",
            "deploymentGroupName": "DgpECS-demo-web",
            "deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
            "revision": {
                "revisionType": "AppSpecContent",
                "appSpecContent": {
                    "content": content,
                    "sha256": hashlib.sha256(content.encode()).hexdigest(),
                },
            },
            "description": "ci-ecs deploy v2",
        },
    )

    found = codedeploy.create_deployment(
        aws,
        "AppECS-demo-web",
        "DgpECS-demo-web",
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        SPEC,
        "ci-ecs deploy v2",
    )

    assert found == "d-ABC"


def test_appspec_of_reads_back_what_create_deployment_sent() -> None:
    revision = codedeploy.appspec_revision(SPEC)

    assert codedeploy.appspec_of({"revision": revision}) == SPEC
    assert codedeploy.appspec_of({"revision": {"appSpecContent": {"content": "version: 0.0"}}}) == {}


def test_missing_application_and_group_are_none_not_errors(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("get_application", "ApplicationDoesNotExistException", "No application")
    stubber.add_client_error("get_deployment_group", "DeploymentGroupDoesNotExistException", "No group")

    assert codedeploy.get_application(aws, "AppECS-demo-web") is None
    assert codedeploy.get_group(aws, "AppECS-demo-web", "DgpECS-demo-web") is None


def test_stop_asks_for_automatic_rollback_and_an_ended_deployment_is_fine(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stopping"},
        {"deploymentId": "d-1", "autoRollbackEnabled": True},
    )
    stubber.add_client_error("stop_deployment", "DeploymentAlreadyCompletedException", "done")

    assert codedeploy.stop_deployment(aws, "d-1") == "Stopping"
    assert codedeploy.stop_deployment(aws, "d-1") == ""


def test_continue_says_false_when_the_deployment_no_longer_waits(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response(
        "continue_deployment", {}, {"deploymentId": "d-1", "deploymentWaitType": "READY_WAIT"}
    )
    stubber.add_client_error("continue_deployment", "DeploymentIsNotInReadyStateException", "not ready")

    assert codedeploy.continue_deployment(aws, "d-1") is True
    assert codedeploy.continue_deployment(aws, "d-1") is False


def test_active_deployments_lists_only_unfinished_statuses(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response(
        "list_deployments",
        {"deployments": ["d-2"]},
        {
            "applicationName": "app",
            "deploymentGroupName": "dg",
            "includeOnlyStatuses": ["Created", "Queued", "InProgress", "Baking", "Ready"],
        },
    )

    assert codedeploy.active_deployments(aws, "app", "dg") == ["d-2"]


def test_targets_are_read_25_ids_a_call(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    ids = [f"demo:web-{i}" for i in range(30)]
    for batch in (ids[:25], ids[25:]):
        stubber.add_response(
            "batch_get_deployment_targets",
            {
                "deploymentTargets": [
                    {"deploymentTargetType": "ECSTarget", "ecsTarget": {"targetId": i}} for i in batch
                ]
            },
            {"deploymentId": "d-1", "targetIds": batch},
        )

    found = codedeploy.ecs_targets(aws, "d-1", ids)

    assert [t["targetId"] for t in found] == ids


def test_targets_of_a_deployment_not_started_yet_are_none(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("list_deployment_targets", "DeploymentNotStartedException", "not started")

    assert codedeploy.target_ids(aws, "d-1") == []


def test_access_denied_is_a_precondition_saying_what_we_were_doing(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("get_application", "AccessDeniedException", "not authorized")

    with pytest.raises(PreconditionError, match="reading CodeDeploy application app: AccessDenied"):
        codedeploy.get_application(aws, "app")


def _active(stubber: Stubber, appspec: dict[str, object]) -> None:
    """The group's one active deployment, d-ACTIVE, deploys `appspec`."""
    stubber.add_response("list_deployments", {"deployments": ["d-ACTIVE"]})
    revision = codedeploy.appspec_revision(appspec)
    stubber.add_response(
        "get_deployment", {"deploymentInfo": {"deploymentId": "d-ACTIVE", "revision": revision}}
    )


def test_an_active_deployment_refusal_is_a_plain_failure_naming_the_group(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("create_deployment", "DeploymentLimitExceededException", "active deployment")
    _active(stubber, {**SPEC, "version": 1.0})

    with pytest.raises(CiEcsError, match="creating a deployment in dg of app: DeploymentLimitExceeded"):
        codedeploy.create_deployment(aws, "app", "dg", "CodeDeployDefault.ECSAllAtOnce", SPEC, "x")


def test_a_refusal_for_the_active_deployment_of_this_very_appspec_is_that_deployment(
    stub: tuple[Aws, Stubber],
) -> None:
    # botocore sent the create again after its reply was lost: the first one is the deployment.
    aws, stubber = stub
    stubber.add_client_error("create_deployment", "DeploymentLimitExceededException", "active deployment")
    _active(stubber, SPEC)

    found = codedeploy.create_deployment(aws, "app", "dg", "CodeDeployDefault.ECSAllAtOnce", SPEC, "x")

    assert found == "d-ACTIVE"


def test_a_deployment_group_that_exists_already_is_created(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("create_deployment_group", "DeploymentGroupAlreadyExistsException", "exists")

    params = {
        "applicationName": "app",
        "deploymentGroupName": "dg",
        "serviceRoleArn": "arn:aws:iam::1:role/r",
    }

    assert codedeploy.create_group(aws, params) == ""
