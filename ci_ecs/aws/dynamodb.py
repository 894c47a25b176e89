"""DynamoDB calls for the jobs' locks: one item per service, written only when free or expired."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from ci_ecs.aws.clients import Aws, call, call_unless
from ci_ecs.errors import AwsError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

KEY = "lock"  # the table's hash key
_FREE = f"attribute_not_exists(#{KEY}) OR expires_at < :now"
_MINE = "#token = :token"


def _item(values: Mapping[str, str | float]) -> dict[str, dict[str, str]]:
    """Values as DynamoDB attributes: numbers as N, text as S."""
    return {k: ({"N": str(v)} if isinstance(v, int | float) else {"S": v}) for k, v in values.items()}


def _plain(item: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """An item's string (S) and number (N) attributes as text."""
    return {k: str(v.get("S", v.get("N", ""))) for k, v in item.items()}


@dataclass(frozen=True)
class Slot:
    """Where a service's lock item lives: its table and key."""

    table: str
    key: str


@dataclass(frozen=True)
class Blocked:
    """A lock item a transaction could not write: the item in the way (None: another transaction's, busy)."""

    slot: Slot
    item: dict[str, str] | None


MOST = 100  # actions in one TransactWriteItems


def put_all(
    aws: Aws,
    slots: Sequence[Slot],
    values: Mapping[str, str | float],
    replacing: Mapping[Slot, str] | None = None,
) -> list[Blocked]:
    """Write the lock items of every slot, or none (one transaction): the items in the way ([]: written).

    Each is written over no item, an expired one, one with our token (this transaction, sent again after
    its reply was lost) or one with the token `replacing` gives for its slot (a holder known to be gone).
    """
    now = {":now": {"N": str(time.time())}, ":token": {"S": str(values["token"])}}
    actions = []
    for slot in slots:
        gone = (replacing or {}).get(slot)
        actions.append(
            {
                "Put": {
                    "TableName": slot.table,
                    "Item": _item({**values, KEY: slot.key}),
                    "ConditionExpression": f"{_FREE} OR {_MINE}" + (" OR #token = :gone" if gone else ""),
                    "ExpressionAttributeNames": {f"#{KEY}": KEY, "#token": "token"},
                    "ExpressionAttributeValues": {**now, **({":gone": {"S": gone}} if gone else {})},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
    keys = ", ".join(slot.key for slot in slots)
    return _transact(aws, f"taking the locks {keys} in DynamoDB", list(zip(slots, actions, strict=True)))


def _transact(aws: Aws, doing: str, actions: list[tuple[Slot, dict[str, Any]]]) -> list[Blocked]:
    """One TransactWriteItems, all or nothing: the actions whose condition failed ([]: all done)."""
    dynamodb = aws.client("dynamodb")
    try:
        items = cast("list[TransactWriteItemTypeDef]", [a for _, a in actions])
        call(doing, dynamodb.transact_write_items, TransactItems=items)
    except AwsError as exc:
        if exc.code != "TransactionCanceledException" or not isinstance(exc.__cause__, ClientError):
            raise
        reasons = exc.__cause__.response.get("CancellationReasons", [])
        if len(reasons) != len(actions):  # no reason per action: not a condition that failed
            raise
        if any("ResourceNotFound" in str(r.get("Code")) for r in reasons):  # a missing table, said so
            raise AwsError(
                f"{doing}: ResourceNotFoundException: no such table", "ResourceNotFoundException"
            ) from exc
        blocked = []
        for (slot, _), reason in zip(actions, reasons, strict=True):
            code = reason.get("Code") or "None"
            if code == "ConditionalCheckFailed":
                there = cast("dict[str, dict[str, object]]", reason.get("Item") or {})
                blocked.append(Blocked(slot, _plain(there)))
            elif code == "TransactionConflict":
                blocked.append(Blocked(slot, None))
            elif code != "None":
                raise
        return blocked
    return []


def _each_that_is_ours(aws: Aws, doing: str, actions: list[tuple[Slot, dict[str, Any]]]) -> list[Slot]:
    """Do the actions (each conditioned on our token) in one transaction: the slots no longer ours."""
    lost: list[Slot] = []
    for _ in range(3):  # a conflict with another job's transaction on the same item passes: send again
        blocked = _transact(aws, doing, actions)
        lost += [b.slot for b in blocked if b.item is not None]
        # All or nothing: nothing was done, so send the rest again without the items no longer ours.
        actions = [a for a in actions if a[0] not in lost]
        if not blocked or not actions:
            break
    return lost


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


def extend_all(aws: Aws, slots: Sequence[Slot], token: str, expires_at: float) -> list[Slot]:
    """Move the expiry of the lock items still ours (one transaction): the slots no longer ours."""
    actions = [
        (
            slot,
            {
                "Update": {
                    "TableName": slot.table,
                    "Key": {KEY: {"S": slot.key}},
                    "UpdateExpression": "SET expires_at = :expires",
                    "ConditionExpression": _MINE,
                    "ExpressionAttributeNames": {"#token": "token"},
                    "ExpressionAttributeValues": {
                        ":expires": {"N": str(expires_at)},
                        ":token": {"S": token},
                    },
                }
            },
        )
        for slot in slots
    ]
    return _each_that_is_ours(aws, "extending the locks in DynamoDB", actions)


def delete_all(aws: Aws, slots: Sequence[Slot], token: str) -> list[Slot]:
    """Remove the lock items that carry `token` (one transaction): the slots that no longer did."""
    actions = [
        (
            slot,
            {
                "Delete": {
                    "TableName": slot.table,
                    "Key": {KEY: {"S": slot.key}},
                    "ConditionExpression": _MINE,
                    "ExpressionAttributeNames": {"#token": "token"},
                    "ExpressionAttributeValues": {":token": {"S": token}},
                }
            },
        )
        for slot in slots
    ]
    try:
        return _each_that_is_ours(aws, "releasing the locks in DynamoDB", actions)
    except AwsError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
        return []  # no table at all: a job cancelled before it could make it holds nothing


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
