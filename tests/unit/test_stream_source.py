"""The local DynamoDB stream event source mapping, against a fake stream and a fake function: what
it announces, how soon it retries a failed batch, and where a batch goes when retries run out."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from services.local.bus import Bus, MovedToDlq, RecordFailed, StreamRead
from services.local.runtime import InvocationResult
from services.local.runtime.protocol import EXIT_ERROR_TYPE
from services.local.sources import dynamodb_streams
from services.local.sources.dynamodb_streams import MAX_RETRY_DELAY_SECONDS, DynamoDbStreamSource
from services.shared.topology import load_topology

ARN = "arn:aws:dynamodb:eu-west-1:000000000000:table/orders/stream/x"


def record(n: int, outbox: bool = True) -> dict[str, Any]:
    image = {"order_id": {"S": f"ord_{n}"}, **({"outbox": {"S": "ORDER_CREATED"}} if outbox else {})}
    return {
        "eventID": str(n),
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"order_id": {"S": f"ord_{n}"}},
            "NewImage": image,
            "SequenceNumber": f"{n:06d}",
        },
    }


class Streams:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "it"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        found, self.records = self.records, []
        return {"Records": found, "NextShardIterator": "it"}


class Sqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.sent.append(json.loads(MessageBody))


class Function:
    """Crashes (as a killed process does) the first `crashes` times, then succeeds."""

    def __init__(self, crashes: int) -> None:
        self.crashes = crashes
        self.batches: list[list[str]] = []

    def invoke(self, event: dict[str, Any]) -> InvocationResult:
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        if self.crashes:
            self.crashes -= 1
            return InvocationResult(
                "r", False, None, {"errorType": EXIT_ERROR_TYPE, "errorMessage": "killed"}, 1
            )
        return InvocationResult("r", True, {"batchItemFailures": []}, None, 1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(dynamodb_streams.time, "monotonic", lambda: now[0])
    return now


def source(function: Function, streams: Streams, sqs: Sqs, bus: Bus) -> DynamoDbStreamSource:
    return DynamoDbStreamSource(
        load_topology().function("relay"),
        function,
        streams,
        sqs,
        ARN,
        "failures-url",
        retry_delay_seconds=1,
        bus=bus,
        function_arn="arn:aws:lambda:eu-west-1:000000000000:function:relay",
    )


def test_every_read_is_announced_with_its_orders_filtered_or_not(clock: list[float]) -> None:
    bus, seen = Bus(), []
    bus.subscribe(lambda e: seen.append(e) if isinstance(e, StreamRead) else None)
    function = Function(crashes=0)
    stream = source(function, Streams([record(1), record(2, outbox=False)]), Sqs(), bus)
    stream.poll_once()
    assert seen == [StreamRead("relay", ("ord_1", "ord_2"))]
    assert function.batches == [["000001"]]  # the record without an outbox is filtered out


def test_a_crashed_batch_is_retried_within_seconds_not_after_the_function_timeout(clock: list[float]) -> None:
    """AWS retries a failed stream batch at once; a timeout's worth of delay here held every later
    record of the shard behind it, long enough for the sweeper to find those orders stuck."""
    function = Function(crashes=1)
    stream = source(function, Streams([record(1)]), Sqs(), Bus())
    stream.poll_once()
    clock[0] += 0.9
    stream.poll_once()
    assert len(function.batches) == 1  # one second after the first attempt, not before
    clock[0] += 0.2
    stream.poll_once()
    assert function.batches == [["000001"], ["000001"]]


def test_retries_back_off_up_to_a_cap_then_the_batch_goes_to_the_failure_queue(clock: list[float]) -> None:
    bus, events = Bus(), []
    bus.subscribe(lambda e: events.append(e) if isinstance(e, RecordFailed | MovedToDlq) else None)
    sqs = Sqs()
    function = Function(crashes=100)
    stream = source(function, Streams([record(1)]), sqs, bus)
    attempts = load_topology().function("relay").stream.maximum_retry_attempts  # type: ignore[union-attr]
    waited: list[float] = []
    started = clock[0]
    while len(function.batches) <= attempts and clock[0] - started < 600:
        before = len(function.batches)
        stream.poll_once()
        if len(function.batches) > before:
            waited.append(clock[0])
        clock[0] += 0.25
    gaps = [round(b - a) for a, b in itertools.pairwise(waited)]
    assert gaps[:3] == [1, 2, 4]
    assert max(gaps) == MAX_RETRY_DELAY_SECONDS
    assert len(function.batches) == attempts + 1
    assert sqs.sent[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert sqs.sent[0]["DDBStreamBatchInfo"]["startSequenceNumber"] == "000001"
    assert isinstance(events[-1], MovedToDlq)
