"""The bench's floor and its write-unit meter, on cases worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from services.local.bench.floor import at_full_batches, floor
from services.local.bench.goals import goal
from services.local.bench.pipeline import critical_path
from services.local.bench.units import WRITE_UNIT, index_writes, item_size, metered_writes
from services.order.adapters.items import order_from_item, order_item
from services.order.domain.order import Progress
from services.shared import dynamo
from services.shared.topology import load_topology
from tests.support import load_event
from tests.unit.sagas import DEADLINES, STEPS, at

DUE = [("due_shard", "due_at")]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def test_the_floor_of_a_shipped_order_at_one_message_per_batch() -> None:
    low = floor("ships", "low")
    # ORDER_CREATED -> invoice, email; INVOICE_CREATED -> order-status, billing, email;
    # PAYMENT_CONFIRMED -> shipment, order-status, email; SHIPPED -> billing, order-status, email;
    # PAYMENT_CAPTURED -> order-status: 12 deliveries, 4 of them emails.
    assert low.units["sns_requests"] == 5
    assert low.units["lambda_requests"] == 1 + 1 + 12  # order-api, relay, one per delivery
    assert low.units["sqs_requests"] == 12 * 3  # delivery, receive, delete
    assert low.units["ses_messages"] == 4
    assert low.writes_by_cause == {
        "domain": 6,  # order, invoice + counter, authorisation, booking, capture
        "transaction": 2,
        "outbox": 1,
        "idempotency": 1 + 4,  # the request key, a marker per email
        "projection": 4,
        "index": 2,
    }
    assert low.units["dynamodb_write_units"] == 20
    # one catalog line, eventually consistent (0.5), and the relay's consistent read (1)
    assert low.units["dynamodb_read_units"] == 1.5


def test_full_batches_divide_invocations_receives_and_deletes_by_the_batch_size() -> None:
    high = floor("ships", "high")
    # consumers: invoice 1/10, email 4/10, order-status 4/10, billing 2/5, shipment 1/10; relay 1/25
    per_batch = 1 / 10 + 4 / 10 + 4 / 10 + 2 / 5 + 1 / 10
    assert high.units["lambda_requests"] == pytest.approx(1 + 1 / 25 + per_batch)
    assert high.units["sqs_requests"] == pytest.approx(12 + 2 * per_batch)
    assert high.units["dynamodb_write_units"] == floor("ships", "low").units["dynamodb_write_units"]


def test_a_declined_payment_sends_three_emails_and_stops_at_billing() -> None:
    low = floor("payment_declined", "low")
    assert low.units["sns_requests"] == 3
    assert low.units["ses_messages"] == 3
    assert low.writes_by_cause["projection"] == 2


def test_measured_units_at_full_batches() -> None:
    measured = {"lambda_requests": 4.0, "sqs_requests": 9.0, "dynamodb_write_units": 7.0}
    high = at_full_batches(measured, {"order-api": 1, "relay": 1, "billing": 2}, load_topology())
    assert high["lambda_requests"] == pytest.approx(1 + 1 / 25 + 2 / 5)
    assert high["sqs_requests"] == pytest.approx(9 - 2 * (2 - 2 / 5))
    assert high["dynamodb_write_units"] == 7.0


def test_a_keys_only_index_costs_a_put_a_delete_or_both() -> None:
    placed = {"due_shard": s("due#1"), "due_at": {"N": "100"}, "status": s("A")}
    assert index_writes(None, placed, DUE) == 1
    assert index_writes(placed, {**placed, "status": s("B")}, DUE) == 0  # key unchanged
    assert index_writes(placed, {**placed, "due_at": {"N": "200"}}, DUE) == 2
    assert index_writes(placed, {"status": s("DONE")}, DUE) == 1


def write(operation: str, pairs: list[tuple[Any, Any]], error: str | None = None) -> dict[str, Any]:
    def side(item: Any) -> dict[str, Any]:
        return {"table": "t-orders", "key": {"order_id": s("o")}, "item": item}

    return {
        "operation": operation,
        "error": error,
        "before": [side(b) for b, _ in pairs],
        "after": [side(a) for _, a in pairs],
    }


def meter(call: dict[str, Any], function: str = "order-status") -> dict[str, float]:
    return metered_writes(call, function, lambda table: table.removeprefix("t-"), lambda _: DUE)


def test_an_update_costs_the_larger_size_and_moves_the_index() -> None:
    small = {"order_id": s("o"), "due_shard": s("d"), "due_at": {"N": "1"}}
    large = {**small, "timeline": s("x" * 1500), "due_at": {"N": "2"}}
    assert meter(write("UpdateItem", [(small, large)])) == {"projection": 2, "index": 2}
    assert meter(write("UpdateItem", [(large, small)])) == {"projection": 2, "index": 2}


def test_a_failed_condition_costs_the_existing_item_and_moves_nothing() -> None:
    item = {"order_id": s("o"), "due_shard": s("d"), "due_at": {"N": "1"}}
    assert meter(write("PutItem", [(item, item)], error="ConditionalCheckFailedException")) == {
        "projection": 1
    }


def test_a_transaction_pays_twice_and_the_stand_ins_are_not_ours() -> None:
    item = {"order_id": s("o")}
    call = write("TransactWriteItems", [(None, item), (None, item)])
    assert meter(call, "order-api") == {"domain": 2, "transaction": 2}
    call["before"][0]["table"] = call["after"][0]["table"] = "t-payment-provider"
    call["before"][1]["table"] = call["after"][1]["table"] = "t-payments"
    assert meter(call, "billing") == {"simulated": 2, "domain": 1, "transaction": 1}


def test_goals_compare_against_their_limit() -> None:
    assert goal("x", 1.2, 1.25)["met"] is True
    assert goal("x", 1.3, 1.25)["met"] is False
    assert goal("x", 7.5, 8, at_least=True)["met"] is False
    assert goal("x", None, 8)["met"] is None


def test_the_critical_path_splits_post_to_shipped_into_handlers_and_waits() -> None:
    # (function, status, finished at, duration ms); t=0 is the POST
    hops = [
        ("order-api", "POST", 0.050, 40.0),
        ("relay", "ORDER_CREATED", 0.300, 20.0),
        ("email", "ORDER_CREATED", 0.310, 30.0),  # not on the path
        ("invoice", "ORDER_CREATED", 0.400, 50.0),
        ("billing", "INVOICE_CREATED", 0.500, 60.0),
        ("shipment", "PAYMENT_CONFIRMED", 0.600, 40.0),
        ("order-status", "SHIPPED", 0.700, 20.0),
    ]
    steps = critical_path(hops, 0.0, 0.700)
    assert steps["order-api handler"] == 40.0
    assert steps["wait before order-api"] == pytest.approx(10.0)
    assert steps["wait before relay"] == pytest.approx(230.0)  # 0.280 - 0.050
    assert steps["wait before invoice"] == pytest.approx(50.0)  # 0.350 - 0.300
    assert sum(steps.values()) == pytest.approx(700.0)
    assert critical_path(hops[:3], 0.0, 0.700) == {
        "wait before order-api": pytest.approx(10.0),
        "order-api handler": 40.0,
        "wait before relay": pytest.approx(230.0),
        "relay handler": 20.0,
    }


def test_the_sample_order_stays_within_one_write_unit_through_the_whole_saga() -> None:
    """Each status the projection records rewrites the order: at most 1 KB, it costs one write
    unit (DynamoDB bills started KBs of the larger of the item before and after)."""
    stored = load_event("dynamodb_stream_order_placed.json")["Records"][0]["dynamodb"]["NewImage"]
    order = order_from_item(dynamo.from_item(stored))
    for ending in (
        ("INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURED"),
        ("INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPMENT_ERROR", "PAYMENT_VOIDED"),
    ):
        walked = order
        for minute, status in enumerate(ending, start=1):
            moved = walked.record(Progress(status, at(minute), STEPS[status]), DEADLINES)
            assert moved is not None
            walked = moved
            assert item_size(dynamo.to_item(order_item(walked))) <= WRITE_UNIT, status
