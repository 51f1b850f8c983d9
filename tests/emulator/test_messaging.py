"""SQS and SNS, as the local stack's pollers and the topology's subscriptions rely on them,
checked on the running emulator."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from services.local.emulator.provision import Stack
from services.shared.topology import load_topology


def receive(sqs: Any, url: str, visibility: int = 0) -> list[dict[str, Any]]:
    return list(
        sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=visibility,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
    )


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := receive(sqs, url, visibility=30):
        messages.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def queue_pair(sqs: Any, name: str, max_receive_count: int) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    queue = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
    return queue, dlq


def test_a_received_message_is_hidden_for_its_visibility_timeout_and_counted(
    clients: dict[str, Any], unique: Callable[[str], str]
) -> None:
    """A received message stays in the queue, invisible for the visibility timeout, then is received
    again with ApproximateReceiveCount one higher. The pollers' retry delays and the handlers'
    attempt numbers come from this.

    AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
    """
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName=unique("visibility"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    (first,) = receive(sqs, url, visibility=2)
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert receive(sqs, url) == []  # hidden
    time.sleep(2.2)
    (again,) = receive(sqs, url, visibility=2)
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0)
    (third,) = receive(sqs, url)  # visible at once: the poller's retry delay is this call
    assert third["Attributes"]["ApproximateReceiveCount"] == "3"


def test_a_message_received_max_receive_count_times_moves_to_the_dead_letter_queue(
    clients: dict[str, Any], unique: Callable[[str], str]
) -> None:
    """When a message's receive count exceeds the queue's maxReceiveCount, SQS moves it to the dead-
    letter queue instead of delivering it again. The local SQS source lets the queue do it, on the
    receive after the last permitted one.

    AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    """
    sqs = clients["sqs"]
    queue, dlq = queue_pair(sqs, unique("redrive"), max_receive_count=3)
    sqs.send_message(QueueUrl=queue, MessageBody="poison")
    for attempt in range(1, 4):
        (message,) = receive(sqs, queue)
        assert message["Attributes"]["ApproximateReceiveCount"] == str(attempt)
    assert receive(sqs, queue) == []
    (dead,) = receive(sqs, dlq)
    assert dead["Body"] == "poison"


def test_the_topic_delivers_raw_messages_by_their_status(clients: dict[str, Any], stack: Stack) -> None:
    """With raw message delivery, the queue gets the published message as its body, and the message
    attributes as SQS message attributes, with no SNS envelope. Each queue's filter policy passes
    only the statuses its consumer takes, as topology.json declares them.

    AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
    AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html
    """
    sqs, sns, topology = clients["sqs"], clients["sns"], load_topology()
    for url in stack.queue_urls.values():
        drain(sqs, url)
    for status in topology.routed_statuses:
        body = json.dumps({"status": status, "n": 1})
        sns.publish(
            TopicArn=stack.topic_arn,
            Message=body,
            MessageAttributes={"status": {"DataType": "String", "StringValue": status}},
        )
        for function in topology.consumers:
            got = drain(sqs, stack.queue_urls[function.name])
            if function.name in topology.consumers_of(status):
                assert [m["Body"] for m in got] == [body], (status, function.name)
                assert got[0]["MessageAttributes"]["status"]["StringValue"] == status
            else:
                assert got == [], (status, function.name)
    assert drain(sqs, stack.parked_urls[topology.unroutable.queue]) == []


def test_an_unknown_or_missing_status_reaches_only_the_unroutable_queue(
    clients: dict[str, Any], stack: Stack
) -> None:
    """The unroutable queue's policy is `$or` of `exists: false` and `anything-but` the routed
    statuses("attribute key matching" and "anything-but"): a message with a status no consumer
    takes, or with none, reaches it and no consumer's queue.

    AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html
    """
    sqs, sns, topology = clients["sqs"], clients["sns"], load_topology()
    unroutable = stack.parked_urls[topology.unroutable.queue]
    drain(sqs, unroutable)
    sns.publish(
        TopicArn=stack.topic_arn,
        Message="unknown",
        MessageAttributes={"status": {"DataType": "String", "StringValue": "NO_SUCH_STATUS"}},
    )
    sns.publish(TopicArn=stack.topic_arn, Message="none")
    assert sorted(m["Body"] for m in drain(sqs, unroutable)) == ["none", "unknown"]
    for url in stack.queue_urls.values():
        assert drain(sqs, url) == []
