"""Taking the lock item: a put whose reply was lost, sent again by botocore, still took it."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from ci_ecs.aws import dynamodb
from ci_ecs.aws.clients import Aws

MINE: dict[str, str | float] = {"lock": "demo/web", "holder": "job 1", "token": "t-mine", "expires_at": 1e10}


@pytest.mark.parametrize(("holder", "taken"), [("t-mine", True), ("t-other", False)])
def test_a_lock_item_found_in_the_way_is_ours_only_when_it_carries_our_token(
    holder: str, taken: bool
) -> None:
    aws = Aws("us-east-1")
    with Stubber(aws.client("dynamodb")) as stubber:
        there = {"lock": {"S": "demo/web"}, "token": {"S": holder}}
        stubber.add_client_error(
            "put_item",
            "ConditionalCheckFailedException",
            "The conditional request failed",
            modeled_fields={"Item": there},
        )

        assert dynamodb.put_if_free(aws, "ci-ecs-locks", MINE) is taken
