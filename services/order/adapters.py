"""DynamoDB implementations of the order service's ports."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from services.order.domain import OrderNotFound, Product, StatusChange
from services.shared import dynamo


class CatalogUnavailable(RuntimeError):
    """DynamoDB kept returning unprocessed keys: a transient fault."""


class DynamoCatalog:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def products(self, skus: set[str]) -> dict[str, Product]:
        keys = [{"sku": {"S": sku}} for sku in sorted(skus)]
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
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
            keys = unprocessed + keys[100:]
        else:
            if keys:
                raise CatalogUnavailable(f"{len(keys)} catalog keys left unprocessed")
        return found


class DynamoOrders:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def add(self, order: dict[str, Any]) -> None:
        dynamo.put_new(self._client, self._table, "order_id", order)

    def get(self, order_id: str) -> dict[str, Any] | None:
        return dynamo.get(self._client, self._table, {"order_id": order_id})

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        """For operators (the `orders` CLI): a scan, newest first."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": self._table}
        while True:
            page = self._client.scan(**kwargs)
            items.extend(dynamo.from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page or len(items) >= limit:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        items.sort(key=lambda order: order["created_at"], reverse=True)
        return items[:limit]

    def apply(self, order_id: str, change: StatusChange) -> bool:
        names = {"#t": "timeline", "#st": change.status}
        values: dict[str, Any] = {":e": dynamo.to_value({"at": change.at, "event_id": change.event_id})}
        details = []
        for index, (name, value) in enumerate(sorted(change.details.items())):
            names[f"#d{index}"] = name
            values[f":d{index}"] = dynamo.to_value(value)
            details.append(index)
        key = {"order_id": {"S": order_id}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #s = :s, #r = :r, #t.#st = :e"
                + "".join(f", #d{i} = :d{i}" for i in details),
                ConditionExpression="attribute_exists(order_id) AND #r < :r",
                ExpressionAttributeNames={**names, "#s": "status", "#r": "status_rank"},
                ExpressionAttributeValues={
                    **values,
                    ":s": {"S": change.status},
                    ":r": {"N": str(change.rank)},
                },
            )
            return True
        except ClientError as error:
            if not dynamo.is_conditional_failure(error):
                raise
        # Stale or duplicate: keep the history, never move the status back.
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #t.#st = if_not_exists(#t.#st, :e)"
                + "".join(f", #d{i} = if_not_exists(#d{i}, :d{i})" for i in details),
                ConditionExpression="attribute_exists(order_id)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if dynamo.is_conditional_failure(error):
                raise OrderNotFound(order_id) from None
            raise
        return False
