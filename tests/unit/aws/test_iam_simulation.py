"""The IAM simulation of the caller's policies, with the request shapes of SimulatePrincipalPolicy (Stubber):
the sandbox cannot simulate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import iam
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import AwsError
from ci_ecs.preflight import permissions

ROLE = "arn:aws:iam::123456789012:role/ci/deployer"
ACTIONS = ["ecs:DescribeServices", "ecs:UpdateService"]
SERVICE = "arn:aws:ecs:us-east-1:123456789012:service/demo/web"


@pytest.fixture
def stub() -> Iterator[tuple[Aws, Stubber]]:
    aws = Aws("us-east-1")
    with Stubber(aws.client("iam")) as stubber:
        yield aws, stubber
        stubber.assert_no_pending_responses()


def _result(action: str, decision: str) -> dict[str, str]:
    return {"EvalActionName": action, "EvalDecision": decision}


def test_the_actions_not_allowed_are_returned(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                _result("ecs:DescribeServices", "allowed"),
                _result("ecs:UpdateService", "implicitDeny"),
            ],
            "IsTruncated": False,
        },
        {"PolicySourceArn": ROLE, "ActionNames": ACTIONS, "ResourceArns": [SERVICE]},
    )

    assert iam.denied(aws, ROLE, ACTIONS, [SERVICE]) == ["ecs:UpdateService"]


def test_a_caller_not_allowed_to_simulate_is_an_aws_error_with_its_code(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("simulate_principal_policy", "AccessDenied", "not authorized")

    with pytest.raises(AwsError) as refused:
        iam.denied(aws, ROLE, ACTIONS, [])
    assert refused.value.code == "AccessDenied"
    assert "simulating the IAM policies of " + ROLE in str(refused.value)


def test_an_assumed_role_is_simulated_as_its_role_with_its_path(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    created = "2026-01-01T00:00:00Z"
    role = {"Path": "/ci/", "RoleName": "deployer", "RoleId": "AROAEXAMPLE0000000000", "Arn": ROLE}
    stubber.add_response("get_role", {"Role": {**role, "CreateDate": created}}, {"RoleName": "deployer"})

    assert iam.role_arn(aws, "deployer") == ROLE


def test_a_statements_condition_keys_go_with_the_simulation(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    passed = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    entry = {
        "ContextKeyName": "iam:PassedToService",
        "ContextKeyValues": ["ecs-tasks.amazonaws.com"],
        "ContextKeyType": "string",
    }
    stubber.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [_result("iam:PassRole", "allowed")], "IsTruncated": False},
        {"PolicySourceArn": ROLE, "ActionNames": ["iam:PassRole"], "ContextEntries": [entry]},
    )

    context = permissions._context({"Condition": passed})

    assert iam.denied(aws, ROLE, ["iam:PassRole"], [], context) == []
