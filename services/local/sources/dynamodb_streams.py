"""Lambda's DynamoDB stream event source mapping, for one table's stream and one function.

- Records are read in order from each shard; those the mapping's filter does not match are
  dropped (and never invoke the function), as Lambda drops them.
- A batch is up to the declared batch size. With a partial batch response, the records before
  the first failed one are done and the batch is retried from it.
- When the whole invocation fails (an error, a timeout, a crashed runtime) the batch is split in
  two and each half retried (bisect on error). AWS retries a failed stream batch at once; here
  after a short delay that doubles with each attempt up to `MAX_RETRY_DELAY_SECONDS`, so the
  retries span a short outage (`maximum_retry_attempts` of them: about 35 s) instead of ending
  in a second. Unlike the SQS source there is no function-timeout floor: the stream's reader
  claims nothing "in progress" that a dead invocation could leave behind, and every record
  behind a failed batch waits for it (a shard is read in order).
- A batch that still fails after `maximum_retry_attempts` retries, or whose oldest record is
  older than `maximum_record_age_seconds`, is skipped: its description (shard and sequence
  numbers, never the data) goes to the on-failure destination queue, as Lambda sends it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from services.local.bus import Bus, MovedToDlq, Notice, RecordFailed, StreamRead
from services.local.runtime import InvocationResult
from services.local.settings import REGION
from services.local.sources.filters import matches
from services.shared.topology import Function


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any]) -> InvocationResult: ...


# How long an idle poller waits before reading the stream again. Lambda polls each shard about
# 4 times a second; locally 10, which takes ~75 ms off every order's first hop (the bench's
# POST → SHIPPED breakdown: the wait before the relay was the largest step) for ~10 idle
# GetRecords a second.
IDLE_POLL_SECONDS = 0.1
MAX_RETRY_DELAY_SECONDS = 4.0


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda hands to a function."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _order_id(record: dict[str, Any]) -> str | None:
    key = record["dynamodb"].get("Keys", {}).get("order_id", {})
    value = key.get("S") if isinstance(key, dict) else None
    return value if isinstance(value, str) else None


@dataclass
class _Batch:
    records: list[dict[str, Any]]
    attempts: int = 0
    not_before: float = 0.0
    first_arrival: float = field(default_factory=time.time)


class DynamoDbStreamSource:
    def __init__(
        self,
        function: Function,
        invoker: Invoker,
        streams: Any,
        sqs: Any,
        stream_arn: str,
        failure_queue_url: str,
        *,
        retry_delay_seconds: float,
        bus: Bus,
        function_arn: str,
    ) -> None:
        assert function.stream is not None
        self.function = function
        self._source = function.stream
        self._invoker = invoker
        self._streams = streams
        self._sqs = sqs
        self._arn = stream_arn
        self._failures = failure_queue_url
        self._retry_delay = retry_delay_seconds
        self._bus = bus
        self._function_arn = function_arn
        self._iterators: dict[str, str | None] = {}
        self._shard_ids: list[str] = []
        self._shards_read_at = 0.0
        self._pending: dict[str, deque[dict[str, Any]]] = {}
        self._retrying: dict[str, deque[_Batch]] = {}

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                if not self.poll_once():
                    stopping.wait(IDLE_POLL_SECONDS)
            except Exception as error:  # keep polling, as the event source mapping does
                if not stopping.is_set():
                    self._bus.publish(Notice(f"! {self.function.name} stream poller: {error!r}; retrying"))
                    stopping.wait(1)

    def poll_once(self) -> bool:
        """Read new records and deliver at most one batch per shard. False: nothing happened."""
        busy = False
        for shard in self._shards():
            busy |= self._read(shard)
            busy |= self._deliver(shard)
        return busy

    # -- reading -----------------------------------------------------------------------
    def _shards(self) -> list[str]:
        if time.monotonic() - self._shards_read_at < 30:
            return self._shard_ids  # shards change rarely: described every 30 s, as Lambda does
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        shards = [s["ShardId"] for s in description.get("Shards", [])]
        self._shard_ids, self._shards_read_at = shards, time.monotonic()
        for shard in shards:
            if shard not in self._iterators:
                self._iterators[shard] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard, ShardIteratorType=self._source.starting_position
                )["ShardIterator"]
                self._pending[shard] = deque()
                self._retrying[shard] = deque()
        return shards

    def _read(self, shard: str) -> bool:
        iterator = self._iterators.get(shard)
        if iterator is None:
            return False
        response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
        self._iterators[shard] = response.get("NextShardIterator")
        records = [lambda_record(r, self._arn) for r in response.get("Records", [])]
        if records:
            read = tuple(order_id for r in records if (order_id := _order_id(r)) is not None)
            self._bus.publish(StreamRead(self.function.name, read))
        wanted = [r for r in records if matches(self._source.filter, r)]
        self._pending[shard].extend(wanted)
        return bool(wanted)

    # -- delivering ------------------------------------------------------------------------
    def _deliver(self, shard: str) -> bool:
        retrying, pending = self._retrying[shard], self._pending[shard]
        if retrying:
            batch = retrying[0]
            if batch.not_before > time.monotonic():
                return False
            retrying.popleft()
        elif pending:
            size = min(self._source.batch_size, len(pending))
            batch = _Batch([pending.popleft() for _ in range(size)])
        else:
            return False
        self._invoke(shard, batch)
        return True

    def _invoke(self, shard: str, batch: _Batch) -> None:
        if time.time() - batch.first_arrival > self._source.maximum_record_age_seconds:
            self._give_up(shard, batch, "RecordAgeExceeded")
            return
        result = self._invoker.invoke({"Records": batch.records})
        if result.ok:
            payload = result.payload if isinstance(result.payload, dict) else {}
            failed = [f["itemIdentifier"] for f in payload.get("batchItemFailures", [])]
            if not failed:
                return
            sequence = [r["dynamodb"]["SequenceNumber"] for r in batch.records]
            first = min((sequence.index(f) for f in failed if f in sequence), default=0)
            self._retry(
                shard,
                _Batch(batch.records[first:], batch.attempts, 0, batch.first_arrival),
                "reported failed",
            )
            return
        error = result.error or {}
        reason = f"{error.get('errorType')}: {error.get('errorMessage', '')}".strip()
        if self._source.bisect_batch_on_function_error and len(batch.records) > 1:
            half = len(batch.records) // 2
            for part in (batch.records[half:], batch.records[:half]):  # the first half goes first
                self._retry(shard, _Batch(part, batch.attempts, 0, batch.first_arrival), reason, front=True)
            return
        self._retry(shard, batch, reason)

    def _retry(self, shard: str, batch: _Batch, reason: str, *, front: bool = False) -> None:
        batch.attempts += 1
        for record in batch.records:
            self._bus.publish(
                RecordFailed(
                    self.function.name,
                    _order_id(record),
                    record["dynamodb"]["SequenceNumber"],
                    batch.attempts,
                    reason,
                )
            )
        if batch.attempts > self._source.maximum_retry_attempts:
            self._give_up(shard, batch, "RetryAttemptsExhausted")
            return
        delay = min(MAX_RETRY_DELAY_SECONDS, self._retry_delay * 2 ** (batch.attempts - 1))
        batch.not_before = time.monotonic() + delay
        (self._retrying[shard].appendleft if front else self._retrying[shard].append)(batch)

    def _give_up(self, shard: str, batch: _Batch, condition: str) -> None:
        """Lambda's on-failure record: where the batch was, never what it held."""
        sequence = [r["dynamodb"]["SequenceNumber"] for r in batch.records]
        failure = {
            "requestContext": {
                "requestId": f"local-{int(time.time() * 1000)}",
                "functionArn": self._function_arn,
                "condition": condition,
                "approximateInvokeCount": batch.attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": sequence[0],
                "endSequenceNumber": sequence[-1],
                "approximateArrivalOfFirstRecord": datetime.fromtimestamp(
                    batch.first_arrival, UTC
                ).isoformat(),
                "approximateArrivalOfLastRecord": datetime.now(UTC).isoformat(),
                "batchSize": len(batch.records),
                "streamArn": self._arn,
            },
        }
        self._sqs.send_message(QueueUrl=self._failures, MessageBody=json.dumps(failure))
        for record in batch.records:
            self._bus.publish(
                MovedToDlq(
                    self.function.name,
                    _order_id(record),
                    record["dynamodb"]["SequenceNumber"],
                    batch.attempts,
                    f"{self.function.name}-failures",
                )
            )
