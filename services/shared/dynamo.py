"""Small helpers for the DynamoDB adapters (low-level client, typed items)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from mypy_boto3_dynamodb.client import DynamoDBClient

RecordT = TypeVar("RecordT", bound="DataclassInstance")
T = TypeVar("T")

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class AlreadyExists(Exception):
    """A conditional write found the item already there."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in data.items() if v is not None}


def to_value(value: Any) -> Any:
    return _serializer.serialize(value)


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def fields_of(record_type: type[Any]) -> list[str]:
    return [f.name for f in dataclass_fields(record_type)]


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def put_new(client: DynamoDBClient, table: str, key: str, data: dict[str, Any]) -> None:
    """Put an item only if its key is new; raise AlreadyExists otherwise."""
    try:
        client.put_item(
            TableName=table,
            Item=to_item(data),
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": key},
        )
    except ClientError as error:
        if is_conditional_failure(error):
            raise AlreadyExists(f"{key}={data.get(key)}") from None
        raise


def get(client: DynamoDBClient, table: str, key: dict[str, str]) -> dict[str, Any] | None:
    response = client.get_item(
        TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
    )
    item = response.get("Item")
    return from_item(item) if item else None


class OrderKeyedRecords(Generic[RecordT]):
    """Dataclass records keyed by `order_id`, each written once (payments, shipments)."""

    def __init__(self, client: DynamoDBClient, table: str, record_type: type[RecordT]) -> None:
        self._client = client
        self._table = table
        self._type = record_type

    def for_order(self, order_id: str) -> RecordT | None:
        item = get(self._client, self._table, {"order_id": order_id})
        if item is None:
            return None
        return self._type(**{name: item.get(name) for name in fields_of(self._type)})

    def add(self, record: RecordT) -> RecordT:
        """Store `record`, or return the one a concurrent delivery stored first."""
        data = asdict(record)
        try:
            put_new(self._client, self._table, "order_id", data)
        except AlreadyExists as conflict:
            existing = self.for_order(data["order_id"])
            if existing is None:
                raise RuntimeError(f"{self._table}: conflict on {data['order_id']} but no item") from conflict
            return existing
        return record


_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)


def persistently(write: Callable[[], T], attempts: int = 5, pause: float = 0.05) -> T:
    """Run a write that must land (the record of an effect already done), retrying throttling,
    server errors and broken connections beyond what the SDK did, with a growing pause."""
    for attempt in range(attempts):
        try:
            return write()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _TRANSIENT_CODES or attempt == attempts - 1:
                raise
        except (BotoCoreError, ConnectionError):
            if attempt == attempts - 1:
                raise
        time.sleep(pause * 2**attempt)
    raise AssertionError("unreachable")
