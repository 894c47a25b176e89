"""Taking lock items in one transaction: what a cancelled transaction says stood in the way."""

from __future__ import annotations

from botocore.stub import Stubber

from ci_ecs.aws import dynamodb
from ci_ecs.aws.clients import Aws

MINE: dict[str, str | float] = {"holder": "job 1", "token": "t-mine", "expires_at": 1e10}
SLOTS = [dynamodb.Slot("ci-ecs-locks", "demo/web"), dynamodb.Slot("ci-ecs-locks", "demo/worker")]


def test_a_cancelled_transaction_names_the_item_in_the_way_and_a_conflict_as_busy() -> None:
    aws = Aws("us-east-1")
    there = {"lock": {"S": "demo/worker"}, "token": {"S": "t-other"}, "holder": {"S": "job 2"}}
    with Stubber(aws.client("dynamodb")) as stubber:
        for reasons in (
            [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Item": there}],
            [{"Code": "TransactionConflict"}, {"Code": "None"}],
        ):
            stubber.add_client_error(
                "transact_write_items",
                "TransactionCanceledException",
                "Transaction cancelled",
                modeled_fields={"CancellationReasons": reasons},
            )

        in_the_way = dynamodb.put_all(aws, SLOTS, MINE)
        busy = dynamodb.put_all(aws, SLOTS, MINE)

    assert [(b.slot.key, (b.item or {}).get("holder")) for b in in_the_way] == [("demo/worker", "job 2")]
    assert busy == [dynamodb.Blocked(SLOTS[0], None)]


def test_releasing_in_a_table_that_does_not_exist_releases_nothing_and_is_no_error() -> None:
    aws = Aws("us-east-1")
    with Stubber(aws.client("dynamodb")) as stubber:
        stubber.add_client_error(  # how a transaction names a missing table in its reasons
            "transact_write_items",
            "TransactionCanceledException",
            "Transaction cancelled",
            modeled_fields={"CancellationReasons": [{"Code": "ResourceNotFound"}, {"Code": "None"}]},
        )

        assert dynamodb.delete_all(aws, SLOTS, "t-mine") == []
