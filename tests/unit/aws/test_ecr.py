"""An image's digest in ECR: a missing tag is None, a missing repository a precondition (Stubber)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import ecr
from ci_ecs.aws.clients import Aws
from ci_ecs.errors import AwsError, PreconditionError

REGISTRY = "123456789012"
LOOKUP = {"registryId": REGISTRY, "repositoryName": "web", "imageIds": [{"imageTag": "v1"}]}


@pytest.fixture
def stub() -> Iterator[tuple[Aws, Stubber]]:
    aws = Aws("us-east-1")
    with Stubber(aws.client("ecr", "eu-west-1")) as stubber:
        yield aws, stubber
        stubber.assert_no_pending_responses()


def test_the_digest_of_a_tag_is_found(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_response("describe_images", {"imageDetails": [{"imageDigest": "sha256:abc"}]}, LOOKUP)

    assert ecr.image_digest(aws, REGISTRY, "eu-west-1", "web", "v1") == "sha256:abc"


def test_a_missing_tag_is_none_and_a_precondition_asking_to_push_it(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error(
        "describe_images", "ImageNotFoundException", "no such image", expected_params=LOOKUP
    )
    stubber.add_client_error(
        "describe_images", "ImageNotFoundException", "no such image", expected_params=LOOKUP
    )

    assert ecr.tag_digest(aws, REGISTRY, "eu-west-1", "web", "v1") is None
    with pytest.raises(
        PreconditionError,
        match=r"^image: tag 'v1' not found in ECR repository web — build and push it first$",
    ):
        ecr.image_digest(aws, REGISTRY, "eu-west-1", "web", "v1")


def test_a_missing_repository_is_a_precondition_naming_repository_and_registry(
    stub: tuple[Aws, Stubber],
) -> None:
    aws, stubber = stub
    stubber.add_client_error("describe_images", "RepositoryNotFoundException", "no such repository")

    with pytest.raises(AwsError) as caught:
        ecr.tag_digest(aws, REGISTRY, "eu-west-1", "web", "v1")

    assert str(caught.value) == f"image: ECR repository 'web' not found in registry {REGISTRY}"
    assert caught.value.code == "RepositoryNotFoundException"
    assert caught.value.exit_code == 3
    assert isinstance(caught.value, PreconditionError)


def test_other_refusals_keep_what_we_were_doing_and_their_code(stub: tuple[Aws, Stubber]) -> None:
    aws, stubber = stub
    stubber.add_client_error("describe_images", "AccessDeniedException", "not authorized")

    with pytest.raises(AwsError) as caught:
        ecr.tag_digest(aws, REGISTRY, "eu-west-1", "web", "v1")

    assert str(caught.value) == "looking up image web:v1 in ECR: AccessDeniedException: not authorized"
    assert caught.value.code == "AccessDeniedException"
