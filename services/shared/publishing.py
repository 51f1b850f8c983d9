"""Publishing events to the OrderEvents topic."""

from __future__ import annotations

from typing import Any, Protocol

from services.shared.events import Envelope


class EventPublisher(Protocol):
    def publish(self, event: Envelope[Any]) -> None: ...


class SnsPublisher:
    """Publishes the envelope as the raw message, with `status` as the filterable attribute."""

    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self._sns = sns_client
        self._topic_arn = topic_arn

    def publish(self, event: Envelope[Any]) -> None:
        # Any ClientError propagates: a failed publish is transient, and the
        # consumer's message is retried (the event id is stable across retries).
        self._sns.publish(
            TopicArn=self._topic_arn,
            Message=event.model_dump_json(),
            MessageAttributes={
                "status": {"DataType": "String", "StringValue": event.status.value},
                "correlation_id": {"DataType": "String", "StringValue": event.correlation_id},
            },
        )
