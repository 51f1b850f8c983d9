"""Operator's reads of a running local stack: orders by id or short prefix, the newest orders,
the flagged ones, and the messages waiting in the dead-letter queues. Used by the `orders` CLI
(and the console); scans are fine here, on a laptop's emulator, and nowhere in the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.order.queries import FLAGGED_SHARD, Order, order_of_item
from services.shared import dynamo
from services.shared.references import ORDER_ID_PREFIX


class Unknown(LookupError):
    """No such order or queue: the message says what there is instead."""


def orders(dynamodb: Any, table: str, limit: int = 100) -> list[Order]:
    """The newest orders first."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    for page in dynamodb.get_paginator("scan").paginate(**kwargs):
        items.extend(dynamo.from_item(item) for item in page.get("Items", []))
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return [order_of_item(item) for item in items[:limit]]


def resolve(dynamodb: Any, table: str, reference: str) -> str:
    """The full order id for an id, its short form, or any unique prefix of it."""
    wanted = reference.strip().removeprefix(ORDER_ID_PREFIX).lower()
    if not wanted:
        raise Unknown("give an order id, or the first characters of one")
    matches: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "ProjectionExpression": "order_id",
        "FilterExpression": "begins_with(order_id, :prefix)",
        "ExpressionAttributeValues": {":prefix": {"S": ORDER_ID_PREFIX + wanted}},
    }
    for page in dynamodb.get_paginator("scan").paginate(**kwargs):
        matches.extend(item["order_id"]["S"] for item in page.get("Items", []))
    if not matches:
        raise Unknown(f"no order matches {reference!r} (`orders list` shows them)")
    if len(matches) > 1:
        raise Unknown(f"{reference!r} matches {len(matches)} orders; give more characters")
    return matches[0]


def correlation_id(dynamodb: Any, table: str, order_id: str) -> str | None:
    """The correlation id every log line about the order carries (the POST's request id)."""
    item = dynamo.get(dynamodb, table, {"order_id": order_id})
    return None if item is None else str(item.get("correlation_id") or "") or None


def flagged(dynamodb: Any, table: str, index: str = "due") -> list[Order]:
    """Orders the sweeper flagged for attention, oldest flag first (the index's own partition)."""
    ids: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": "due_shard = :flagged",
        "ExpressionAttributeValues": {":flagged": {"S": FLAGGED_SHARD}},
    }
    for page in dynamodb.get_paginator("query").paginate(**kwargs):
        ids.extend(item["order_id"]["S"] for item in page.get("Items", []))
    found = []
    for order_id in ids:
        item = dynamo.get(dynamodb, table, {"order_id": order_id})
        if item is not None:
            found.append(order_of_item(item))
    return found


@dataclass(frozen=True)
class Parked:
    """A message waiting in a dead-letter (or unroutable) queue."""

    queue: str
    message_id: str
    status: str | None
    order_id: str | None
    receipt_handle: str
    body: str
    attributes: dict[str, Any]


def peek(sqs: Any, queue: str, url: str) -> list[Parked]:
    """Every message in a queue, received with a zero visibility timeout, so nothing is consumed."""
    seen: dict[str, Parked] = {}
    for _ in range(50):
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch or all(m["MessageId"] in seen for m in batch):
            break
        for message in batch:
            body = message["Body"]
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = {}
            parsed = parsed if isinstance(parsed, dict) else {}
            status = parsed.get("status") or message.get("MessageAttributes", {}).get("status", {}).get(
                "StringValue"
            )
            seen[message["MessageId"]] = Parked(
                queue=queue,
                message_id=message["MessageId"],
                status=status,
                order_id=parsed.get("order_id"),
                receipt_handle=message["ReceiptHandle"],
                body=body,
                attributes=message.get("MessageAttributes", {}),
            )
    return list(seen.values())


def parked_queues(state: dict[str, Any]) -> dict[str, str]:
    """Every queue where messages wait for a person: each consumer's DLQ, the relay's on-failure
    destination and the unroutable queue, by name."""
    return {**state.get("dlq_urls", {}), **state.get("parked_urls", {})}


def redrive(sqs: Any, dlq_url: str, source_url: str) -> int:
    """Move every message of a dead-letter queue back to its source queue, attributes kept; each is
    deleted from the DLQ only once it is sent, so none is lost (a crash between the two leaves a
    copy in both, which the consumers' idempotency absorbs). Returns how many moved."""
    moved = 0
    while batch := sqs.receive_message(
        QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in batch:
            sqs.send_message(
                QueueUrl=source_url,
                MessageBody=message["Body"],
                MessageAttributes=message.get("MessageAttributes", {}),
            )
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
