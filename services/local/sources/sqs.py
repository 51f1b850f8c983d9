"""Lambda's SQS event source mapping, for one queue.

- Batches of up to the declared batch size, in the event shape Lambda hands a function.
- The partial batch response is honoured: successes are deleted, failures become visible again.
- A failed message is visible again after a delay that grows with each receive:
  retry_delay x 2^(receives - 1), capped at the queue's visibility timeout (AWS: the visibility
  timeout every time). After a timeout or a crashed runtime the delay is at least the function's
  timeout, so whatever the dead invocation left "in progress" (an idempotency record) has expired
  by the next delivery, as it has in AWS. So is the delay before the last permitted attempt,
  whatever the failure: a condition that clears within the function's timeout (an "in progress"
  record, a short outage) never sends to the DLQ a message AWS, whose retries are minutes
  apart, would have delivered.
- After maxReceiveCount receives the queue moves the message to its DLQ (the emulator does, on
  the next receive); the source announces it when the last permitted attempt fails.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from typing import Any, Protocol

from services.local.bus import Bus, MovedToDlq, Notice, RecordFailed
from services.local.runtime import InvocationResult
from services.local.runtime.protocol import EXIT_ERROR_TYPE, TIMEOUT_ERROR_TYPE
from services.local.settings import REGION
from services.shared.topology import Function


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any]) -> InvocationResult: ...


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message in the shape Lambda hands to a function."""
    attributes = message.get("MessageAttributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in attributes.items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def order_id_of(body: str) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("order_id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def retry_delay(base: float, receives: int, visibility_timeout: int, floor: float = 0.0) -> int:
    """Seconds before a failed message is visible again (SQS takes whole seconds)."""
    delay = max(floor, base * 2 ** max(0, receives - 1))
    return min(visibility_timeout, math.ceil(delay))


class SqsSource:
    def __init__(
        self,
        function: Function,
        invoker: Invoker,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        *,
        retry_delay_seconds: float,
        bus: Bus,
        dlq_name: str,
        on_receive: Callable[[Any, str, list[dict[str, Any]]], None] | None = None,
        explain: Callable[[str], str | None] | None = None,
    ) -> None:
        assert function.consumes is not None
        self.function = function
        self._consumes = function.consumes
        self._invoker = invoker
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._retry_delay = retry_delay_seconds
        self._bus = bus
        self._dlq_name = dlq_name
        self._on_receive = on_receive
        self._explain = explain  # a message id -> why the handler failed it, from its log

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                self.deliver_once()
            except Exception as error:  # keep polling, as the event source mapping does
                if not stopping.is_set():
                    self._bus.publish(Notice(f"! {self.function.name} poller: {error!r}; retrying"))
                    stopping.wait(1)

    def deliver_once(self) -> int:
        """Receive one batch, invoke the function with it, settle each message. Returns the count."""
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._consumes.batch_size,
            WaitTimeSeconds=2,  # a long poll: an arriving message ends it at once
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        if self._on_receive is not None:
            self._on_receive(self._sqs, self._queue_url, received)
        result = self._invoker.invoke({"Records": [sqs_record(m, self._queue_arn) for m in received]})
        floor = 0.0
        reported = result.ok
        if result.ok:
            payload = result.payload if isinstance(result.payload, dict) else {}
            failed = {f["itemIdentifier"] for f in payload.get("batchItemFailures", [])}
            reason = "the handler reported it failed"
        else:  # the whole invocation failed: every message comes back
            failed = {m["MessageId"] for m in received}
            error = result.error or {}
            reason = f"{error.get('errorType')}: {error.get('errorMessage', '')}".strip()
            if error.get("errorType") in (TIMEOUT_ERROR_TYPE, EXIT_ERROR_TYPE):
                floor = float(self.function.timeout_seconds)
        done: list[dict[str, str]] = []
        for message in received:
            if message["MessageId"] in failed:
                why = self._explain(message["MessageId"]) if reported and self._explain else None
                self._retry_later(message, why or reason, floor)
            else:
                done.append({"Id": str(len(done)), "ReceiptHandle": message["ReceiptHandle"]})
        if done:  # one call for the batch's successes, as the event source mapping makes
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=done)
        return len(received)

    def _retry_later(self, message: dict[str, Any], reason: str, floor: float) -> None:
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        order_id = order_id_of(message["Body"])
        self._bus.publish(RecordFailed(self.function.name, order_id, message["MessageId"], receives, reason))
        if receives >= self._consumes.max_receive_count:
            self._bus.publish(
                MovedToDlq(self.function.name, order_id, message["MessageId"], receives, self._dlq_name)
            )
            delay = 0  # the queue moves it to the DLQ on its next receive
        else:
            if receives == self._consumes.max_receive_count - 1:
                floor = max(floor, float(self.function.timeout_seconds))
            delay = retry_delay(self._retry_delay, receives, self.function.visibility_timeout_seconds, floor)
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=delay
        )
