"""Handler throughput in this process under moto's in-process mock (no HTTP, no runtime).

The stages run in saga order on messages the previous stage really published, so every
event id is fresh and idempotency never short-circuits: the API handler places N orders
(POST /orders events), then each consumer takes its queue in batches of its batch size.
Times are of the handler calls alone and include moto's emulation of each AWS call.
"""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from services.local.emulator.provision import Stack, provision
from services.local.gateway.http import proxy_event
from services.local.settings import DUMMY_CREDENTIALS
from services.local.sources.dynamodb_streams import lambda_record
from services.local.sources.sqs import sqs_record
from services.local.tools.scenarios import order_body
from services.shared.topology import Function, load_topology

CONSUMER_ORDER = ("invoice", "billing", "shipment", "order-status", "email")


@dataclass
class Context:
    """The part of Lambda's context object the handlers read."""

    function_name: str
    memory_limit_in_mb: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _use_function(stack: Stack, function: Function) -> Any:
    """Give this process the function's environment; return its handler module, wiring reset."""
    os.environ.update(stack.environment(function))
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the figures, not a line per order
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # nor an EMF line per invocation
    module = importlib.import_module(function.handler.rsplit(".", 1)[0])
    if hasattr(module, "consumer"):
        module.consumer.reset()
    else:
        importlib.import_module("services.order.bootstrap").api.cache_clear()
    return module


def _drain(sqs: Any, queue_url: str) -> Iterator[dict[str, Any]]:
    receive = {"MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"], "AttributeNames": ["All"]}
    while messages := sqs.receive_message(QueueUrl=queue_url, **receive).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            yield message


def _json_headers() -> Message:
    headers = Message()
    headers["Content-Type"] = "application/json"
    return headers


def _api(stack: Stack, orders: int) -> dict[str, Any]:
    function = load_topology().function("order-api")
    module = _use_function(stack, function)
    events = [
        proxy_event("POST", "/orders", _json_headers(), json.dumps(order_body()).encode())
        for _ in range(orders)
    ]
    module.lambda_handler(events[0], Context(function.name, function.memory_mb))  # first-invocation init
    started = time.perf_counter()
    for event in events[1:]:
        response = module.lambda_handler(event, Context(function.name, function.memory_mb))
        if response["statusCode"] != 201:
            raise RuntimeError(f"order-api answered {response['statusCode']}: {response.get('body')}")
    elapsed = time.perf_counter() - started
    return {
        "orders": orders - 1,
        "seconds": round(elapsed, 3),
        "per_second": round((orders - 1) / elapsed, 1),
    }


def _stream_records(streams: Any, stream_arn: str) -> list[dict[str, Any]]:
    """Every record on the table's stream that carries an outbox entry (the relay's filter)."""
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [lambda_record(r, stream_arn) for r in page["Records"]]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return [r for r in records if "outbox" in r["dynamodb"].get("NewImage", {})]


def _relay(stack: Stack, streams: Any) -> dict[str, Any]:
    """The relay over the orders the API stored: it publishes their ORDER_CREATED to the topic,
    which feeds the consumers' queues."""
    function = load_topology().function("relay")
    assert function.stream is not None
    module = _use_function(stack, function)
    records = _stream_records(streams, stack.stream_arns[function.stream.table])
    return _timed_batches(module, function, records, function.stream.batch_size)


def _timed_batches(
    module: Any, function: Function, records: list[dict[str, Any]], size: int
) -> dict[str, Any]:
    batches = [records[i : i + size] for i in range(0, len(records), size)]
    if not batches:
        raise RuntimeError(f"{function.name}: nothing to process (did the previous step publish?)")
    module.lambda_handler({"Records": batches[0]}, Context(function.name, function.memory_mb))  # init
    failed = 0
    started = time.perf_counter()
    for batch in batches[1:]:
        response = module.lambda_handler({"Records": batch}, Context(function.name, function.memory_mb))
        failed += len(response.get("batchItemFailures", []))
    elapsed = time.perf_counter() - started
    timed = len(records) - len(batches[0])
    return {
        "records": timed,
        "batch_size": size,
        "failed": failed,
        "seconds": round(elapsed, 3),
        "per_second": round(timed / max(elapsed, 1e-9), 1),
    }


def _consumer(stack: Stack, sqs: Any, function: Function) -> dict[str, Any]:
    assert function.consumes is not None
    module = _use_function(stack, function)
    records = [
        sqs_record(m, stack.queue_arns[function.name]) for m in _drain(sqs, stack.queue_urls[function.name])
    ]
    return _timed_batches(module, function, records, function.consumes.batch_size)


def measure_handlers(orders: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(DUMMY_CREDENTIALS)
    topology = load_topology()
    saved = dict(os.environ)
    try:
        with mock_aws():
            clients = {name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "ses")}
            stack = provision(clients)
            results = {
                "order-api": _api(stack, orders),
                "relay": _relay(stack, boto3.client("dynamodbstreams")),
            }
            for name in CONSUMER_ORDER:
                results[name] = _consumer(stack, clients["sqs"], topology.function(name))
            return results
    finally:
        os.environ.clear()
        os.environ.update(saved)
