"""A local-only queue subscribed to the topic with no filter: it sees every event, so the
console (and anything else on the bus) can follow each order. AWS has no such queue."""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

from services.local.bus import Bus, Published, Unroutable

TAP_QUEUE = "tap"


class Tap:
    def __init__(
        self, sqs: Any, sns: Any, topic_arn: str, prefix: str, bus: Bus, routed: frozenset[str]
    ) -> None:
        self._sqs = sqs
        self._bus = bus
        self._routed = routed
        self.url = sqs.create_queue(QueueName=f"{prefix}-{TAP_QUEUE}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
        )

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(Exception):
                self.drain(wait_seconds=1)

    def drain(self, wait_seconds: int = 0) -> None:
        messages = self._sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        for message in messages:
            self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            status = message.get("MessageAttributes", {}).get("status", {}).get("StringValue")
            try:
                event = json.loads(message["Body"])
            except ValueError:
                event = None
            event = event if isinstance(event, dict) else {}
            if status not in self._routed:
                self._bus.publish(Unroutable(status, event.get("order_id")))
            elif event:
                self._bus.publish(Published(event))
