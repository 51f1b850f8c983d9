"""The outbox relay fed by the orders table's real stream, and the sweeper on the real index."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from services.order.entrypoints import relay, sweeper
from services.shared import observability
from services.shared.events import event_id_for
from tests.integration.conftest import stream_records
from tests.integration.helpers import VALID, call
from tests.support import LambdaContext, emitted_in, load_event


def relay_stream(aws: dict[str, Any], records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    event = {"Records": stream_records(aws) if records is None else records}
    return relay.lambda_handler(event, LambdaContext())


def place(function_env: Any, **headers: str) -> str:
    function_env("order-api")
    status, body, _ = call("POST", "/orders", VALID, headers or None)
    assert status == 201
    return str(body["order_id"])


def order_item(aws: dict[str, Any], order_id: str) -> dict[str, Any]:
    key = {"order_id": {"S": order_id}}
    return dict(aws["dynamodb"].get_item(TableName=aws["stack"].tables["orders"], Key=key)["Item"])


def test_the_stream_brings_the_order_and_the_relay_publishes_its_event_once(
    aws: dict[str, Any], function_env: Any, published: Any
) -> None:
    order_id = place(function_env)
    function_env("relay")
    assert relay_stream(aws) == {"batchItemFailures": []}
    (created,) = published("invoice")
    assert created["status"] == "ORDER_CREATED"
    assert created["order_id"] == order_id
    assert created["event_id"] == event_id_for(order_id, "ORDER_CREATED")
    assert created["_attributes"]["status"] == "ORDER_CREATED"
    assert "payment_token" not in json.dumps(created)
    assert [e["status"] for e in published("email")] == ["ORDER_CREATED"]
    assert "outbox" not in order_item(aws, order_id)
    # The relay's own change is on the stream too (the event source's filter keeps it from the
    # relay in AWS): without a pending event it publishes nothing.
    later = [r for r in stream_records(aws) if "outbox" not in r["dynamodb"]["NewImage"]]
    assert [r["eventName"] for r in later] == ["MODIFY"]
    assert relay_stream(aws, later) == {"batchItemFailures": []}
    assert published("invoice") == []


def test_a_publish_failure_fails_that_record_and_keeps_the_event_pending(
    aws: dict[str, Any], function_env: Any, published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = place(function_env)
    function_env("relay")
    from services.shared import publishing

    def refused(self: Any, event: Any, **_: Any) -> None:
        raise ConnectionError("SNS refused")

    monkeypatch.setattr(publishing.SnsPublisher, "publish", refused)
    records = stream_records(aws)
    response = relay_stream(aws, records)
    assert response["batchItemFailures"] == [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]
    assert order_item(aws, order_id)["outbox"] == {"S": "ORDER_CREATED"}
    monkeypatch.undo()
    function_env("relay")
    assert relay_stream(aws, records) == {"batchItemFailures": []}
    assert len(published("invoice")) == 1


def test_the_sample_stream_event_is_what_the_relay_takes(
    aws: dict[str, Any], function_env: Any, published: Any
) -> None:
    function_env("relay")
    event = load_event("dynamodb_stream_order_placed.json")
    aws["dynamodb"].put_item(
        TableName=aws["stack"].tables["orders"], Item=event["Records"][0]["dynamodb"]["NewImage"]
    )
    assert relay.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert [e["order_id"] for e in published("invoice")] == ["ord_5f0c2a9e8b7d4c1fa3e6b2d9c8a7f011"]


def test_a_record_of_an_order_never_stored_is_counted_and_not_published(
    aws: dict[str, Any],
    function_env: Any,
    published: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stream is not the truth: a record of a pending event whose order the table does not
    hold (an emulator that streamed a cancelled write did this) publishes nothing."""
    function_env("relay")
    observability.reset()
    capsys.readouterr()
    lines = io.StringIO()
    monkeypatch.setattr(relay.log.registered_handler, "stream", lines)
    phantom = load_event("dynamodb_stream_order_placed.json")  # its order is not in the table
    assert relay.lambda_handler(phantom, LambdaContext()) == {"batchItemFailures": []}
    assert published("invoice") == []
    assert published("email") == []
    assert emitted_in(capsys.readouterr().out) == {observability.OUTBOX_ORDER_MISSING: [1]}
    (warning,) = [json.loads(x) for x in lines.getvalue().splitlines() if "Not published" in x]
    assert warning["level"] == "WARNING"
    assert warning["order_id"] == "ord_5f0c2a9e8b7d4c1fa3e6b2d9c8a7f011"


def test_a_redelivered_record_is_counted_and_not_published_again(
    aws: dict[str, Any], function_env: Any, published: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    place(function_env)
    function_env("relay")
    records = stream_records(aws)
    assert relay_stream(aws, records) == {"batchItemFailures": []}
    assert len(published("invoice")) == 1
    observability.reset()
    capsys.readouterr()
    assert relay_stream(aws, records) == {"batchItemFailures": []}  # the same batch again
    assert published("invoice") == []
    assert emitted_in(capsys.readouterr().out) == {observability.OUTBOX_NOT_PENDING: [1]}


# ---------------------------------------------------------------- the sweeper


@pytest.fixture
def fast_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_DEADLINE_SECONDS", "0")


def sweep() -> dict[str, Any]:
    return sweeper.lambda_handler(load_event("eventbridge_schedule.json"), LambdaContext())


def test_the_sweeper_republishes_a_stuck_order_once_then_flags_it(
    aws: dict[str, Any], function_env: Any, published: Any, fast_deadlines: None, capsys: Any
) -> None:
    order_id = place(function_env)  # the relay never ran: its event never left
    function_env("sweeper")
    first = sweep()
    assert first == {"nudged": [order_id], "flagged": []}
    (republished,) = published("invoice")
    assert republished["event_id"] == event_id_for(order_id, "ORDER_CREATED")
    assert republished["_attributes"]["republished"] == "true"
    second = sweep()
    assert second == {"nudged": [], "flagged": [order_id]}
    item = order_item(aws, order_id)
    assert "ORDER_CREATED" in item["attention"]["M"]["reason"]["S"]
    assert item["due_shard"] == {"S": "flagged"}
    assert sweep() == {"nudged": [], "flagged": []}
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    stuck = [m["StuckOrders"] for m in metrics if "StuckOrders" in m]
    assert stuck == [[0.0], [1.0], [0.0]]


def test_a_nudge_moves_a_stuck_order_on(
    aws: dict[str, Any], function_env: Any, published: Any, fast_deadlines: None
) -> None:
    """The ORDER_CREATED went to the invoice DLQ: the sweeper's copy gets the order invoiced."""
    from tests.integration.conftest import CONSUMERS
    from tests.support import sqs_event

    order_id = place(function_env)
    function_env("sweeper")
    sweep()
    (republished,) = published("invoice")
    republished.pop("_attributes")
    function_env("invoice")
    response = CONSUMERS["invoice"].lambda_handler(sqs_event(republished), LambdaContext())
    assert response == {"batchItemFailures": []}
    (invoiced,) = published("order-status")
    invoiced.pop("_attributes")
    function_env("order-status")
    CONSUMERS["order-status"].lambda_handler(sqs_event(invoiced), LambdaContext())
    item = order_item(aws, order_id)
    assert item["status"] == {"S": "INVOICE_CREATED"}
    assert "nudged" not in item
    assert item["due_shard"]["S"].startswith("due#")


def test_the_sweeper_leaves_orders_that_are_not_due(
    aws: dict[str, Any], function_env: Any, published: Any
) -> None:
    place(function_env)
    function_env("sweeper")
    assert sweep() == {"nudged": [], "flagged": []}
    assert published("invoice") == []
