"""Wiring: each bootstrap takes its typed dependencies (a dataclass of the ports), so a test runs a
consumer's real wiring on fakes and nothing real is built; without them it builds the real ones
from validated settings. And an entrypoint builds its wiring once (functools.cache), until a test
resets it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.billing import bootstrap as billing
from services.email import bootstrap as email
from services.invoice import bootstrap as invoice
from services.order import bootstrap as order
from services.order.domain.order import OrderNotFound
from services.shared.consumer import Delivery, Wiring, sqs_entrypoint
from services.shared.events import parse_event
from services.shared.settings import ConfigurationError
from services.shipment import bootstrap as shipment
from tests.fakes import (
    FakeCarrier,
    FakeNotifications,
    FakeOrders,
    FakePayments,
    FakeProvider,
    FakeRecords,
    FakeSender,
    FakeTokens,
    RecordingPublisher,
)
from tests.support import body_of
from tests.unit.sagas import DEADLINES, place

FIRST = Delivery(republished=False, attempt=1)
SETTINGS = ("ORDERS_TABLE", "PAYMENTS_TABLE", "PAYMENT_PROVIDER_TABLE", "EVENTS_TOPIC_ARN", "INVOICES_TABLE")


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings at all: a bootstrap that reads them or builds a client fails here."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def event(name: str) -> Any:
    return parse_event(json.dumps(body_of(name)))


def test_billing_runs_on_the_fakes_it_is_given() -> None:
    invoiced = event("sqs_invoice_created.json")
    deps = billing.Dependencies(
        payments=FakePayments(),
        tokens=FakeTokens({invoiced.order_id: "tok_visa"}),
        provider=FakeProvider(),
        publisher=RecordingPublisher(),
    )
    billing.build(deps).handle(invoiced, FIRST)
    assert [e.status for e in deps.publisher.events] == ["PAYMENT_CONFIRMED"]  # type: ignore[attr-defined]
    assert deps.provider.effects == {("authorization", invoiced.order_id): 1}  # type: ignore[attr-defined]


def test_every_consumer_builds_on_fakes_without_settings() -> None:
    publisher = RecordingPublisher()
    invoice.build(invoice.Dependencies(invoices=FakeRecords(), publisher=publisher))  # type: ignore[arg-type]
    shipment.build(shipment.Dependencies(shipments=FakeRecords(), carrier=FakeCarrier(), publisher=publisher))  # type: ignore[arg-type]
    email.build(email.Dependencies(sender=FakeSender(), notifications=FakeNotifications()))
    order.projector(order.Projection(orders=FakeOrders(), deadlines=DEADLINES))


@pytest.mark.parametrize("build", [billing.build, invoice.build, order.projector])
def test_without_dependencies_a_bootstrap_reads_its_settings(build: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"missing environment variable [A-Z_]*_TABLE"):
        build()


def test_the_projector_records_into_the_orders_it_is_given() -> None:
    orders = FakeOrders()
    placed = place(orders)
    invoiced = event("sqs_invoice_created.json").model_copy(update={"order_id": placed.order_id})
    order.projector(order.Projection(orders=orders, deadlines=DEADLINES)).handle(invoiced, FIRST)
    stored = orders.get(placed.order_id)
    assert stored is not None
    assert stored.status == "INVOICE_CREATED"
    with pytest.raises(OrderNotFound):
        order.projector(order.Projection(orders=FakeOrders(), deadlines=DEADLINES)).handle(invoiced, FIRST)


def test_an_entrypoint_builds_its_wiring_once_until_reset() -> None:
    built: list[Wiring] = []

    def build() -> Wiring:
        built.append(Wiring(handle=lambda _event, _delivery: None))
        return built[-1]

    consumer, _ = sqs_entrypoint("invoice", build)
    assert consumer.wiring() is consumer.wiring()
    assert len(built) == 1
    consumer.reset()
    assert consumer.wiring() is built[-1]
    assert len(built) == 2
