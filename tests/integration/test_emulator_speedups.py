"""The emulator's speedups (services/local/emulator/speedups.py) change no answer: the same calls
get the same responses from moto with them and without them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from moto import mock_aws

from services.local.emulator import speedups
from services.local.emulator.provision import provision


def conversation(clients: dict[str, Any], tables: dict[str, str], queue: str) -> list[Any]:
    """DynamoDB data calls with every kind of value, and an SQS round trip."""
    ddb, sqs = clients["dynamodb"], clients["sqs"]
    orders = tables["orders"]
    item = {
        "order_id": {"S": "ord_1"},
        "version": {"N": "1"},
        "due_shard": {"S": "due#1"},
        "due_at": {"N": "100"},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "nested": {"M": {"list": {"L": [{"S": "a"}, {"N": "2.5"}]}, "set": {"SS": ["x", "y"]}}},
        "blob": {"B": b"\x00\xff"},
    }
    answers: list[Any] = [
        ddb.put_item(TableName=orders, Item=item, ReturnValues="ALL_OLD"),
        ddb.get_item(TableName=orders, Key={"order_id": {"S": "ord_1"}}, ConsistentRead=True),
        ddb.update_item(
            TableName=orders,
            Key={"order_id": {"S": "ord_1"}},
            UpdateExpression="SET version = version + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        ),
        ddb.query(
            TableName=orders,
            IndexName="due",
            KeyConditionExpression="due_shard = :s AND due_at <= :t",
            ExpressionAttributeValues={":s": {"S": "due#1"}, ":t": {"N": "200"}},
        ),
        ddb.scan(TableName=orders),
        ddb.batch_get_item(RequestItems={orders: {"Keys": [{"order_id": {"S": "ord_1"}}]}}),
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": orders, "Item": {"order_id": {"S": "ord_2"}}}}]
        ),
        ddb.delete_item(TableName=orders, Key={"order_id": {"S": "ord_2"}}, ReturnValues="ALL_OLD"),
    ]
    try:
        ddb.put_item(TableName=orders, Item=item, ConditionExpression="attribute_not_exists(order_id)")
    except ddb.exceptions.ConditionalCheckFailedException as error:
        answers.append(error.response["Error"])
    streams = clients["dynamodbstreams"]
    arn = streams.list_streams(TableName=orders)["Streams"][0]["StreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert records  # the puts, update and delete above, with their images and creation times
    # a random uuid; the time of the write, as a time; moto's size, which counts the time's digits
    answers.append(
        [
            {
                **r,
                "eventID": None,
                "dynamodb": {
                    **r["dynamodb"],
                    "ApproximateCreationDateTime": type(r["dynamodb"]["ApproximateCreationDateTime"]),
                    "SizeBytes": type(r["dynamodb"]["SizeBytes"]),
                },
            }
            for r in records
        ]
    )
    sqs.send_message(
        QueueUrl=queue,
        MessageBody="hello",
        MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}},
    )
    received = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"])
    answers.append([(m["Body"], m["MessageAttributes"]) for m in received["Messages"]])
    for answer in answers:
        if isinstance(answer, dict):
            answer.pop("ResponseMetadata", None)
    return answers


def run(patch: Callable[[], Callable[[], None]] | None) -> list[Any]:
    undo = patch() if patch else None
    try:
        with mock_aws():
            clients = {
                name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "ses", "dynamodbstreams")
            }
            stack = provision(clients)
            return conversation(clients, stack.tables, stack.queue_urls["invoice"])
    finally:
        if undo:
            undo()


def test_the_speedups_change_no_answer() -> None:
    assert run(speedups.apply) == run(None)


def test_undo_restores_moto() -> None:
    from moto.dynamodb.responses import DynamoResult

    before = DynamoResult.execute_result
    speedups.apply()()
    assert DynamoResult.execute_result is before
