from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from services.billing import handler as billing
from services.email import handler as email
from services.invoice import handler as invoice
from services.order import bootstrap as order_bootstrap
from services.order.entrypoints import projector
from services.shared.topology import load_topology
from services.shipment import handler as shipment
from tests.support import load_event

CONSUMERS = {
    "invoice": invoice,
    "billing": billing,
    "shipment": shipment,
    "email": email,
    "order-status": projector,
}
SAMPLE_ORDER = load_event("dynamodb_stream_order_placed.json")["Records"][0]["dynamodb"]["NewImage"]


def _forget_wiring() -> None:
    for cached in (order_bootstrap.api, order_bootstrap.relay, order_bootstrap.sweeper):
        cached.cache_clear()
    for module in CONSUMERS.values():
        module.consumer.reset()


@pytest.fixture(autouse=True)
def _fresh_wiring() -> Iterator[None]:
    """Each test builds its functions' wiring anew, from its own environment."""
    yield
    _forget_wiring()


@pytest.fixture
def function_env(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """Give the process one function's environment, as Terraform would."""

    def use(name: str) -> dict[str, str]:
        env = aws["stack"].environment(load_topology().function(name))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        _forget_wiring()
        return env

    return use


@pytest.fixture
def sample_order(aws: dict[str, Any]) -> Callable[..., str]:
    """Store the order the sample events (tests/events) are about, as the API stored it."""

    def store(**attributes: Any) -> str:
        item = {**SAMPLE_ORDER, **{k: {"S": v} for k, v in attributes.items()}}
        aws["dynamodb"].put_item(TableName=aws["stack"].tables["orders"], Item=item)
        return str(item["order_id"]["S"])

    return store


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in a queue, parsed (and deleted)."""
    bodies = []
    while True:
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            body = json.loads(message["Body"])
            if isinstance(body, dict):
                body["_attributes"] = {
                    k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()
                }
            bodies.append(body)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def published(aws: dict[str, Any]) -> Callable[[str], list[dict[str, Any]]]:
    """What reached one queue through the topic and its filter policy (a consumer's, or unroutable)."""
    stack = aws["stack"]
    urls = {**stack.queue_urls, **stack.parked_urls}
    return lambda queue: drain(aws["sqs"], urls[queue])


def stream_records(aws: dict[str, Any], table: str = "orders") -> list[dict[str, Any]]:
    """Every record on a table's stream so far, in the shape Lambda hands a function."""
    streams = aws["dynamodbstreams"]
    arn = aws["stack"].stream_arns[table]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            record["eventSourceARN"] = arn
            records.append(json.loads(json.dumps(record, default=str)))
    return records


@pytest.fixture
def order_id(function_env: Any) -> str:
    """An order placed through the API, then the projector's environment."""
    function_env("order-api")
    from tests.integration.helpers import VALID, call  # helpers imports this module

    created = call("POST", "/orders", VALID)[1]
    function_env("order-status")
    return str(created["order_id"])
