"""DynamoDB and its streams, as the local stack and the handlers rely on them, checked on the
running emulator (and, where moto departs from AWS, against moto as it ships)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.local.emulator.provision import Stack
from services.local.tools.scenarios import order_body
from services.order.adapters.dynamo import DynamoCatalog, DynamoOrders
from services.order.domain.order import Deadlines
from services.order.domain.pricing import PricingRules
from services.order.usecases.commands import CreateOrder
from services.order.usecases.orders import place_order
from services.shared.topology import load_topology
from tests.emulator.conftest import known_difference


class Stream:
    """One shard iterator held open, as the relay's poller holds it, read forward."""

    def __init__(self, clients: dict[str, Any], arn: str, position: str = "LATEST") -> None:
        self._streams = clients["dynamodbstreams"]
        shard = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType=position
        )["ShardIterator"]

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        while True:
            page = self._streams.get_records(ShardIterator=self._iterator, Limit=1000)
            self._iterator = page["NextShardIterator"]
            records.extend(page["Records"])
            if not page["Records"]:
                return records


def keys(records: list[dict[str, Any]], name: str = "order_id") -> list[str]:
    return [r["dynamodb"]["Keys"][name]["S"] for r in records]


def place(clients: dict[str, Any], stack: Stack, key: str | None) -> str:
    """An order placed as the API places it (a keyed one in one transaction with its key)."""
    dynamodb = clients["dynamodb"]
    orders = DynamoOrders(dynamodb, stack.tables["orders"], keys_table=stack.tables["request-keys"])
    order = place_order(
        CreateOrder.model_validate(order_body()),
        catalog=DynamoCatalog(dynamodb, stack.tables["catalog"]),
        orders=orders,
        pricing=PricingRules.from_file(),
        deadlines=Deadlines(load_topology().deadlines_seconds),
        correlation_id="conformance",
        idempotency_key=key,
    )
    return order.order_id


def cancelled_put(dynamodb: Any, table: str, new_key: str, taken: dict[str, Any]) -> ClientError:
    """A transaction whose first item is a new one and whose second fails its condition."""
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"order_id": {"S": new_key}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": taken,
                        "ConditionExpression": "attribute_not_exists(order_id)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    return cancelled.value


def test_a_replayed_key_leaves_no_record_and_the_stream_reader_sees_what_follows(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """The same Idempotency-Key twice: DynamoDB cancels the second transaction and writes nothing for
    it, to the table or to its stream. A reader holding its iterator across it, as the relay does,
    sees the first order and then every later one (each modification appears once, in order). On
    moto as it ships, it read an INSERT for an order never stored, and then nothing more.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
    """
    stream = Stream(clients, stack.stream_arns["orders"])
    key = unique("key")
    first = place(clients, stack, key)
    assert place(clients, stack, key) == first  # answered with the first order
    later = [place(clients, stack, None) for _ in range(5)]
    seen = keys(stream.read())
    assert seen == [first, *later]
    stored = clients["dynamodb"].scan(TableName=stack.tables["orders"], ProjectionExpression="order_id")
    assert set(seen) <= {item["order_id"]["S"] for item in stored["Items"]}


def test_unpatched_moto_streams_a_cancelled_transaction(raw_moto: dict[str, Any]) -> None:
    """Why the correction exists: moto 5.2 as it ships leaves the cancelled transaction's first item on
    the stream, and swaps the table, so a held iterator sees nothing written after."""
    table = raw_moto["stack"].tables["orders"]
    stream = Stream(raw_moto, raw_moto["stack"].stream_arns["orders"])
    raw_moto["dynamodb"].put_item(TableName=table, Item={"order_id": {"S": "taken"}})
    cancelled_put(raw_moto["dynamodb"], table, "phantom", {"order_id": {"S": "taken"}})
    raw_moto["dynamodb"].put_item(TableName=table, Item={"order_id": {"S": "after"}})
    assert keys(stream.read()) == ["taken", "phantom"]  # "after" is on a shard nobody reads


def test_cancellation_reasons_name_each_item_and_return_the_old_item(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """TransactionCanceledException carries one reason per item, in order: `None` for those that would
    have succeeded, `ConditionalCheckFailed` (with the item, when asked with
    ReturnValuesOnConditionCheckFailure=ALL_OLD) for the failed condition. The order adapter decides
    a replayed key on the second reason.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
    """
    dynamodb, table = clients["dynamodb"], stack.tables["orders"]
    taken = {"order_id": {"S": unique("taken")}, "note": {"S": "first"}}
    dynamodb.put_item(TableName=table, Item=taken)
    new = unique("new")
    error = cancelled_put(dynamodb, table, new, {"order_id": taken["order_id"]})
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = error.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"] == taken
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"order_id": {"S": new}})


def test_a_failed_condition_writes_nothing(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """A conditional PutItem or UpdateItem whose condition fails is ConditionalCheckFailedException and
    changes nothing, on the table or its stream .

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
    """
    dynamodb, table = clients["dynamodb"], stack.tables["orders"]
    order_id = unique("ord")
    dynamodb.put_item(TableName=table, Item={"order_id": {"S": order_id}, "version": {"N": "1"}})
    stream = Stream(clients, stack.stream_arns["orders"])
    for call in (
        lambda: dynamodb.put_item(
            TableName=table,
            Item={"order_id": {"S": order_id}},
            ConditionExpression="attribute_not_exists(order_id)",
        ),
        lambda: dynamodb.update_item(
            TableName=table,
            Key={"order_id": {"S": order_id}},
            UpdateExpression="SET version = :two",
            ConditionExpression="version = :zero",
            ExpressionAttributeValues={":two": {"N": "2"}, ":zero": {"N": "0"}},
        ),
    ):
        with pytest.raises(ClientError) as failed:
            call()
        assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert stream.read() == []
    item = dynamodb.get_item(TableName=table, Key={"order_id": {"S": order_id}})["Item"]
    assert item["version"] == {"N": "1"}


def test_an_open_iterator_keeps_reading_through_cancellations_failures_and_growth(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """An iterator held open sees every committed write, once, in the order it was made for each item,
    however many transactions were cancelled and conditions failed meanwhile, and while the table
    grows to thousands of items.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
    """
    dynamodb, table = clients["dynamodb"], stack.tables["orders"]
    stream = Stream(clients, stack.stream_arns["orders"])
    prefix = unique("grow")
    taken = {"order_id": {"S": f"{prefix}-taken"}}
    dynamodb.put_item(TableName=table, Item=taken)
    expected = [f"{prefix}-taken"]
    for n in range(2000):
        order_id = f"{prefix}-{n:04d}"
        if n % 500 == 0:
            cancelled_put(dynamodb, table, f"{order_id}-phantom", taken)
            with pytest.raises(ClientError):
                dynamodb.put_item(
                    TableName=table, Item=taken, ConditionExpression="attribute_not_exists(order_id)"
                )
        dynamodb.put_item(TableName=table, Item={"order_id": {"S": order_id}, "step": {"N": "1"}})
        expected.append(order_id)
        if n % 1000 == 0:  # the same item changed twice: both changes, in order
            for step in ("2", "3"):
                dynamodb.put_item(TableName=table, Item={"order_id": {"S": order_id}, "step": {"N": step}})
                expected.append(order_id)
    records = stream.read()
    assert keys(records) == expected
    steps = [r["dynamodb"]["NewImage"]["step"]["N"] for r in records if keys([r])[0].endswith("-1000")]
    assert steps == ["1", "2", "3"]


def test_stream_reads_never_see_half_a_transaction(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str], emulator: str
) -> None:
    """A transaction's writes commit together; a reader never sees some of its items' records without
    the others(all or nothing). The emulator serves stream reads one at a time with the writes.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
    """
    from services.local.emulator.moto import client

    writer = client(emulator, "dynamodb")  # its own connection, beside the reader's
    table, prefix = stack.tables["orders"], unique("pair")
    stream = Stream(clients, stack.stream_arns["orders"])
    done = threading.Event()

    def write() -> None:
        for n in range(300):
            writer.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {"order_id": {"S": f"{prefix}-{n}-{half}"}}}}
                    for half in ("a", "b")
                ]
            )
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    torn = []
    while not done.is_set():
        seen = [k for k in keys(stream.read()) if k.startswith(prefix)]
        pairs: dict[str, int] = {}
        for k in seen:
            pairs[k.rsplit("-", 1)[0]] = pairs.get(k.rsplit("-", 1)[0], 0) + 1
        torn.extend(p for p, count in pairs.items() if count != 2)
    thread.join()
    assert torn == []


def test_a_transaction_costs_the_items_it_names_not_the_tables() -> None:
    """The emulator's transactions copy what they touch, not the tables (moto 5.2 deep-copies every
    table a transaction names, under the emulator's lock): a transaction on a table of 5,000 items
    copies a handful of items, and the live table stays the one its stream is on."""
    import boto3
    from moto import mock_aws
    from moto.backends import get_backend
    from moto.dynamodb.models.dynamo_type import Item

    from services.local.emulator import corrections

    undo = corrections.apply()
    copies = 0
    original = Item.__deepcopy__

    def counted(self: Any, memo: Any) -> Any:
        nonlocal copies
        copies += 1
        return original(self, memo)

    Item.__deepcopy__ = counted  # type: ignore[method-assign]
    try:
        with mock_aws():
            dynamodb = boto3.client("dynamodb", region_name="us-east-1")
            dynamodb.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            )
            for n in range(5000):
                dynamodb.put_item(TableName="t", Item={"k": {"S": str(n)}})
            live = get_backend("dynamodb")["123456789012"]["us-east-1"].tables["t"]
            copies = 0
            with pytest.raises(ClientError):
                dynamodb.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "t", "Item": {"k": {"S": "new"}}}},
                        {
                            "Put": {
                                "TableName": "t",
                                "Item": {"k": {"S": "1"}},
                                "ConditionExpression": "attribute_not_exists(k)",
                            }
                        },
                    ]
                )
            assert copies <= 4
            assert get_backend("dynamodb")["123456789012"]["us-east-1"].tables["t"] is live
    finally:
        Item.__deepcopy__ = original  # type: ignore[method-assign]
        undo()


@known_difference
def test_expired_items_are_deleted_in_time(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """DynamoDB deletes an item some time after its TTL attribute has passed, typically within a few
    days, and until then reads still return it. moto never deletes it: no code may rely on expiry,
    locally or in AWS, to make an item disappear on time.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
    """
    import time

    dynamodb, table = clients["dynamodb"], stack.tables["request-keys"]
    key = {"id": {"S": unique("key#expired")}}
    dynamodb.put_item(TableName=table, Item={**key, "expiration": {"N": str(int(time.time()) - 86400 * 30)}})
    time.sleep(1)
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key)  # gone, thirty days on


@known_difference
def test_an_update_that_creates_an_item_is_one_insert(
    clients: dict[str, Any], stack: Stack, unique: Callable[[str], str]
) -> None:
    """An UpdateItem on a missing item creates it: one stream record, an INSERT with the new image.
    moto writes two: an INSERT of the bare key, then a MODIFY. No code here creates a streamed item
    with UpdateItem, so the stack does not correct it.

    AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
    """
    dynamodb, table = clients["dynamodb"], stack.tables["orders"]
    stream = Stream(clients, stack.stream_arns["orders"])
    dynamodb.update_item(
        TableName=table,
        Key={"order_id": {"S": unique("upd")}},
        UpdateExpression="SET step = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert [r["eventName"] for r in stream.read()] == ["INSERT"]
