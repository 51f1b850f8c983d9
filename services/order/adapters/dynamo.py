"""DynamoDB implementations of the order service's ports (the stored item's mapping is items.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.order.adapters.items import mutable_attributes, order_from_item, order_item
from services.order.domain.order import DUE_SHARDS, Order
from services.order.domain.pricing import Product
from services.order.usecases.orders import (
    CatalogUnavailable,
    KeyInFlight,
    KeyUse,
    OrderExists,
    RequestKey,
    VersionConflict,
)
from services.shared import dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class DynamoCatalog:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def products(self, skus: set[str]) -> dict[str, Product]:
        keys: list[Mapping[str, Any]] = [{"sku": {"S": sku}} for sku in sorted(skus)]
        found: dict[str, Product] = {}
        for _ in range(5):
            if not keys:
                break
            response = self._client.batch_get_item(RequestItems={self._table: {"Keys": keys[:100]}})
            for item in response["Responses"].get(self._table, []):
                raw = dynamo.from_item(item)
                found[raw["sku"]] = Product(
                    sku=raw["sku"],
                    name=raw["name"],
                    unit_price=int(raw["unit_price"]),
                    active=bool(raw.get("active", True)),
                )
            unprocessed = (response.get("UnprocessedKeys") or {}).get(self._table)
            keys = [*(unprocessed["Keys"] if unprocessed else []), *keys[100:]]
        else:
            if keys:
                raise CatalogUnavailable(f"{len(keys)} catalog keys left unprocessed")
        return found


# -- the table ----------------------------------------------------------------------------


class DynamoOrders:
    def __init__(
        self, client: DynamoDBClient, table: str, *, keys_table: str | None = None, due_index: str = "due"
    ) -> None:
        self._client = client
        self._table = table
        self._keys_table = keys_table
        self._due_index = due_index

    def add(self, order: Order, key: RequestKey | None = None) -> KeyUse | None:
        item = dynamo.to_item(order_item(order))
        if key is None:
            try:
                self._client.put_item(
                    TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(order_id)"
                )
            except ClientError as error:
                if dynamo.is_conditional_failure(error):
                    raise OrderExists(order.order_id) from None
                raise
            return None
        if self._keys_table is None:
            raise RuntimeError("DynamoOrders was built without a request-keys table")
        for attempt in range(6):
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(order_id)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self._keys_table,
                                "Item": dynamo.to_item(
                                    {
                                        "id": f"key#{key.key_hash}",
                                        "order_id": order.order_id,
                                        "request_hash": key.request_hash,
                                        "expiration": key.expires_at,
                                    }
                                ),
                                "ConditionExpression": "attribute_not_exists(id)",
                            }
                        },
                    ]
                )
                return None
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
                if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                    return self._used(key)
                if codes and codes[0] == "ConditionalCheckFailed":
                    raise OrderExists(order.order_id) from None
                if "TransactionConflict" not in codes:
                    raise
                time.sleep(0.05 * 2**attempt)  # the same key is being written by another request
        raise KeyInFlight(key.key_hash)

    def _used(self, key: RequestKey) -> KeyUse:
        """The key's stored use (the use case decides what it means)."""
        assert self._keys_table is not None
        stored = dynamo.get(self._client, self._keys_table, {"id": f"key#{key.key_hash}"})
        if stored is None:
            raise KeyInFlight(key.key_hash)  # it expired between the write and this read
        return KeyUse(order_id=str(stored["order_id"]), request_hash=str(stored["request_hash"]))

    def get(self, order_id: str) -> Order | None:
        item = dynamo.get(self._client, self._table, {"order_id": order_id})
        return None if item is None else order_from_item(item)

    def save(self, order: Order, *, previous: Order) -> None:
        expected_version = previous.version
        before = mutable_attributes(previous)
        changed = {name: value for name, value in mutable_attributes(order).items() if before[name] != value}
        values = {**changed, "version": expected_version + 1}
        sets = {name: value for name, value in values.items() if value is not None}
        removes = [name for name, value in values.items() if value is None]
        names = {f"#a{i}": name for i, name in enumerate([*sets, *removes])}
        alias = {name: key for key, name in names.items()}
        expression = "SET " + ", ".join(f"{alias[n]} = :v{i}" for i, n in enumerate(sets))
        if removes:
            expression += " REMOVE " + ", ".join(alias[n] for n in removes)
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": order.order_id}},
                UpdateExpression=expression,
                ConditionExpression="#version = :expected",
                ExpressionAttributeNames={**names, "#version": "version"},
                ExpressionAttributeValues={
                    **{f":v{i}": dynamo.to_value(value) for i, value in enumerate(sets.values())},
                    ":expected": {"N": str(expected_version)},
                },
            )
        except ClientError as error:
            if dynamo.is_conditional_failure(error):
                raise VersionConflict(order.order_id) from None
            raise

    def mark_dispatched(self, order_id: str, status: str) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": order_id}},
                UpdateExpression="REMOVE outbox",
                ConditionExpression="outbox = :status",
                ExpressionAttributeValues={":status": {"S": status}},
            )
        except ClientError as error:
            if dynamo.is_conditional_failure(error):
                return False
            raise
        return True

    def overdue(self, now: int) -> Iterator[str]:
        for shard in range(DUE_SHARDS):
            yield from self._query_index(f"due#{shard}", now)

    def _query_index(self, shard: str, until: int) -> Iterator[str]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=self._due_index,
            KeyConditionExpression="due_shard = :shard AND due_at <= :until",
            ExpressionAttributeValues={":shard": {"S": shard}, ":until": {"N": str(until)}},
        )
        for page in pages:
            for item in page.get("Items", []):
                yield item["order_id"]["S"]
