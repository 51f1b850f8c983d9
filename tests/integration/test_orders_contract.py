"""The Orders port's contract, run against both of its implementations: the in-memory fake the
unit tests use and the DynamoDB adapter (under moto). Each says what the use cases rely on, so
the fake cannot drift from the adapter: a test here that passes for one and fails for the other
is a drift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from services.order.adapters.dynamo import DynamoOrders
from services.order.domain.order import Order, Progress
from services.order.usecases.orders import (
    KeyUse,
    OrderExists,
    Orders,
    RequestKey,
    VersionConflict,
)
from tests.fakes import FakeOrders
from tests.unit.sagas import DEADLINES, NOW, REQUEST, STEPS, at, place


@pytest.fixture(params=["fake", "dynamodb"])
def orders(request: pytest.FixtureRequest) -> Iterator[Orders]:
    if request.param == "fake":
        yield FakeOrders()
        return
    aws: dict[str, Any] = request.getfixturevalue("aws")
    tables = aws["stack"].tables
    yield DynamoOrders(aws["dynamodb"], tables["orders"], keys_table=tables["request-keys"])


def new_order() -> Order:
    """A freshly placed order (its ORDER_CREATED pending), stored nowhere yet."""
    order: Order = place(FakeOrders())
    return order


def key(name: str = "k-1", request: Any = REQUEST) -> RequestKey:
    return RequestKey.of(name, request, NOW)


def test_an_added_order_reads_back_as_it_was(orders: Orders) -> None:
    order = new_order()
    assert orders.add(order) is None
    assert orders.get(order.order_id) == order
    assert orders.get("ord_" + "0" * 32) is None


def test_an_order_id_is_stored_once(orders: Orders) -> None:
    order = new_order()
    orders.add(order)
    with pytest.raises(OrderExists):
        orders.add(order)


def test_a_used_key_stores_nothing_and_reports_its_first_use(orders: Orders) -> None:
    first, second = new_order(), new_order()
    assert orders.add(first, key()) is None
    other_request = REQUEST.model_copy(
        update={"payment": REQUEST.payment.model_copy(update={"token": "tok_x"})}
    )
    for retried in (key(), key(request=other_request)):
        used = orders.add(second, retried)
        assert used == KeyUse(order_id=first.order_id, request_hash=key().request_hash)
    assert orders.get(second.order_id) is None
    assert orders.add(second, key("k-2")) is None  # another key places another order


def test_a_save_from_the_version_read_applies_and_a_stale_one_conflicts(orders: Orders) -> None:
    order = new_order()
    orders.add(order)
    read = orders.get(order.order_id)
    assert read is not None
    moved = read.record(Progress("INVOICE_CREATED", at(1), STEPS["INVOICE_CREATED"]), DEADLINES)
    assert moved is not None
    orders.save(moved, previous=read)
    stored = orders.get(order.order_id)
    assert stored is not None
    assert (stored.status, stored.version) == ("INVOICE_CREATED", read.version + 1)
    with pytest.raises(VersionConflict):
        orders.save(moved, previous=read)  # from the version before the last save


def test_a_save_leaves_the_outbox_to_the_relay(orders: Orders) -> None:
    order = new_order()
    orders.add(order)
    read = orders.get(order.order_id)
    assert read is not None
    assert read.outbox == "ORDER_CREATED"
    orders.save(replace(read, outbox=None, nudged="ORDER_CREATED"), previous=read)
    stored = orders.get(order.order_id)
    assert stored is not None
    assert (stored.outbox, stored.nudged) == ("ORDER_CREATED", "ORDER_CREATED")


def test_the_outbox_is_cleared_once_and_only_for_its_event(orders: Orders) -> None:
    order = new_order()
    orders.add(order)
    assert orders.mark_dispatched(order.order_id, "INVOICE_CREATED") is False
    assert orders.mark_dispatched(order.order_id, "ORDER_CREATED") is True
    assert orders.mark_dispatched(order.order_id, "ORDER_CREATED") is False
    stored = orders.get(order.order_id)
    assert stored is not None
    assert stored.outbox is None


def test_overdue_lists_the_orders_due_by_then(orders: Orders) -> None:
    order = new_order()
    orders.add(order)
    assert order.due_at is not None
    assert order.order_id not in set(orders.overdue(order.due_at - 1))
    assert order.order_id in set(orders.overdue(order.due_at))
    later = int((NOW + timedelta(days=1)).timestamp())
    assert order.order_id in set(orders.overdue(later))
