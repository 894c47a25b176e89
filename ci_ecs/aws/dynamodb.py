"""DynamoDB calls for the jobs' locks: one item per service, written only when free or expired."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import cast

from botocore.exceptions import ClientError

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError

KEY = "lock"  # the table's hash key
_FREE = f"attribute_not_exists(#{KEY}) OR expires_at < :now"
_MINE = "#token = :token"


def _item(values: Mapping[str, str | float]) -> dict[str, dict[str, str]]:
    """Values as DynamoDB attributes: numbers as N, text as S."""
    return {k: ({"N": str(v)} if isinstance(v, int | float) else {"S": v}) for k, v in values.items()}


def _plain(item: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """An item's string (S) and number (N) attributes as text."""
    return {k: str(v.get("S", v.get("N", ""))) for k, v in item.items()}


def put_if_free(aws: Aws, table: str, values: Mapping[str, str | float], replacing: str = "") -> bool:
    """Write the lock item unless another, unexpired one is there (atomic): whether it was written.

    With `replacing` (a token), write it only over that very item: a holder known to be gone.
    """
    dynamodb = aws.client("dynamodb")
    condition = (
        (_MINE, {"#token": "token"}, {":token": {"S": replacing}})
        if replacing
        else (
            _FREE,
            {f"#{KEY}": KEY},
            {":now": {"N": str(time.time())}},
        )
    )
    try:
        call(
            f"taking the lock {values[KEY]} in DynamoDB table {table}",
            dynamodb.put_item,
            TableName=table,
            Item=_item(values),
            ConditionExpression=condition[0],
            ExpressionAttributeNames=condition[1],
            ExpressionAttributeValues=condition[2],
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except AwsError as exc:
        if exc.code != "ConditionalCheckFailedException":
            raise
        # The item there may be ours: this put, sent again by botocore after its reply was lost.
        there = exc.__cause__.response.get("Item", {}) if isinstance(exc.__cause__, ClientError) else {}
        return _plain(cast("dict[str, dict[str, object]]", there)).get("token") == values.get("token")
    return True


def read(aws: Aws, table: str, key: str) -> dict[str, str] | None:
    """The lock item of `key` (strings), or None when there is none."""
    dynamodb = aws.client("dynamodb")
    reply = call(
        f"reading the lock {key} in DynamoDB table {table}",
        dynamodb.get_item,
        TableName=table,
        Key={KEY: {"S": key}},
        ConsistentRead=True,
    )
    item = reply.get("Item")
    return _plain(item) if item else None


def extend(aws: Aws, table: str, key: str, token: str, expires_at: float) -> bool:
    """Move the lock's expiry, if it is still ours: whether it was."""
    dynamodb = aws.client("dynamodb")
    done = call_unless(
        ("ConditionalCheckFailedException",),
        f"extending the lock {key} in DynamoDB table {table}",
        dynamodb.update_item,
        TableName=table,
        Key={KEY: {"S": key}},
        UpdateExpression="SET expires_at = :expires",
        ConditionExpression=_MINE,
        ExpressionAttributeNames={"#token": "token"},
        ExpressionAttributeValues={":expires": {"N": str(expires_at)}, ":token": {"S": token}},
    )
    return done is not None


def delete(aws: Aws, table: str, key: str, token: str) -> bool:
    """Remove the lock if it carries `token` (ours, or the one a person decided to break): whether it did."""
    dynamodb = aws.client("dynamodb")
    # Not ours (or no table at all: a job cancelled before it could make it) holds nothing to release.
    done = call_unless(
        ("ConditionalCheckFailedException", "ResourceNotFoundException"),
        f"releasing the lock {key} in DynamoDB table {table}",
        dynamodb.delete_item,
        TableName=table,
        Key={KEY: {"S": key}},
        ConditionExpression=_MINE,
        ExpressionAttributeNames={"#token": "token"},
        ExpressionAttributeValues={":token": {"S": token}},
    )
    return done is not None


def table_status(aws: Aws, table: str) -> str | None:
    """The table's status (ACTIVE, CREATING, …), or None when it does not exist."""
    dynamodb = aws.client("dynamodb")
    doing = f"describing DynamoDB table {table}"
    found = call_unless(("ResourceNotFoundException",), doing, dynamodb.describe_table, TableName=table)
    return None if found is None else str(found["Table"].get("TableStatus", ""))


def create_table(aws: Aws, table: str) -> None:
    """Create the lock table (on demand, hash key `lock`); one being created already is fine."""
    dynamodb = aws.client("dynamodb")
    # Two jobs may create it at once: the second finds it being created, which is as good.
    call_unless(
        ("ResourceInUseException",),
        f"creating DynamoDB table {table} for the jobs' locks",
        dynamodb.create_table,
        TableName=table,
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "created-by", "Value": "ci-ecs"}],
    )
