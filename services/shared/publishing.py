"""Publishing events to the OrderEvents topic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from services.shared.events import Envelope

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

# A message attribute set when an event is published again on purpose (the sweeper's nudge):
# consumers that already handled the event announce their outcome again instead of dropping it.
REPUBLISHED_ATTRIBUTE = "republished"


class EventPublisher(Protocol):
    def publish(self, event: Envelope[Any], *, republished: bool = False) -> None: ...


class SnsPublisher:
    """Publishes the envelope as the raw message, with `status` as the filterable attribute."""

    def __init__(self, sns_client: SNSClient, topic_arn: str) -> None:
        self._sns = sns_client
        self._topic_arn = topic_arn

    def publish(self, event: Envelope[Any], *, republished: bool = False) -> None:
        # Any ClientError propagates: a failed publish is transient, and the step is retried
        # (the event id is derived from the order and status, so a retry publishes the same event).
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "status": {"DataType": "String", "StringValue": event.status.value},
            "correlation_id": {"DataType": "String", "StringValue": event.correlation_id},
        }
        if republished:
            attributes[REPUBLISHED_ATTRIBUTE] = {"DataType": "String", "StringValue": "true"}
        self._sns.publish(
            TopicArn=self._topic_arn, Message=event.model_dump_json(), MessageAttributes=attributes
        )
