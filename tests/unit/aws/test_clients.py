"""How AWS answers become ci-ecs errors: each keeps its AWS error code; preconditions exit 3, the rest 1."""

from __future__ import annotations

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError, CiEcsError, PreconditionError

GONE = ("ServiceNotFoundException", "ServiceNotActiveException")


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [
        ("AccessDeniedException", 3),
        ("ExpiredTokenException", 3),
        ("ClusterNotFoundException", 3),
        ("InvalidParameterException", 1),
        ("ServerException", 1),
    ],
)
def test_an_aws_error_carries_its_code_and_exits_3_only_for_preconditions(
    stub: tuple[Aws, Stubber], code: str, exit_code: int
) -> None:
    aws, stubber = stub
    stubber.add_client_error("list_clusters", code, "refused")

    with pytest.raises(AwsError) as caught:
        call("listing clusters", aws.client("ecs").list_clusters)

    assert caught.value.code == code
    assert caught.value.exit_code == exit_code
    assert isinstance(caught.value, PreconditionError) is (exit_code == 3)
    assert str(caught.value) == f"listing clusters: {code}: refused"


def test_missing_credentials_are_a_precondition_without_an_aws_code() -> None:
    def no_credentials() -> None:
        raise botocore.exceptions.NoCredentialsError()

    with pytest.raises(PreconditionError, match=r"^listing clusters: no AWS credentials found") as caught:
        call("listing clusters", no_credentials)

    assert not isinstance(caught.value, AwsError)
    assert caught.value.exit_code == 3


def test_call_unless_answers_none_for_its_codes_and_the_reply_otherwise(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    ecs = aws.client("ecs")
    stubber.add_client_error("delete_service", "ServiceNotActiveException", "draining")
    stubber.add_response("delete_service", {"service": {"serviceName": "web"}})

    gone = call_unless(GONE, "deleting web", ecs.delete_service, cluster="demo", service="web")
    deleted = call_unless(GONE, "deleting web", ecs.delete_service, cluster="demo", service="web")

    assert gone is None
    assert deleted is not None
    assert deleted["service"]["serviceName"] == "web"


def test_call_unless_raises_for_other_codes_even_when_the_message_names_one_of_its_codes(
    stub: tuple[Aws, Stubber],
) -> None:
    aws, stubber = stub
    ecs = aws.client("ecs")
    stubber.add_client_error("delete_service", "InvalidParameterException", "not a ServiceNotFoundException")

    with pytest.raises(AwsError) as caught:
        call_unless(GONE, "deleting web", ecs.delete_service, cluster="demo", service="web")

    assert caught.value.code == "InvalidParameterException"
    assert caught.value.exit_code == 1


def test_call_unless_does_not_swallow_errors_that_are_not_aws_answers() -> None:
    def unreachable() -> None:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://ecs.example")

    with pytest.raises(CiEcsError, match="cannot reach AWS"):
        call_unless(GONE, "deleting web", unreachable)
