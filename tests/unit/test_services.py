"""Use cases with in-memory fakes: no AWS, no network."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.billing.domain import TransientPaymentError
from services.billing.provider import SimulatedPaymentProvider
from services.billing.service import charge_invoice
from services.email.templates import render
from services.order.contracts import CreateOrder
from services.order.domain import PricingRules, Product
from services.order.service import get_order, place_order, record_status
from services.shared.events import derived_event_id, parse_event
from services.shipment.carrier import SimulatedCarrier
from services.shipment.service import ship_order
from tests.fakes import FakeCatalog, FakeOrders, FakeRecords, RecordingPublisher
from tests.support import body_of, load_event

RULES = PricingRules.from_file()
CATALOG = FakeCatalog(Product("BOOK-001", "Notes", 1299, True))


def sample(name: str, **data: Any) -> Any:
    body = body_of(name)
    body["data"].update(data)
    return parse_event(json.dumps(body))


def test_place_order_stores_then_publishes_one_event() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    request = CreateOrder.model_validate_json(load_event("apigw_post_order.json")["body"])
    created = place_order(
        request, catalog=CATALOG, orders=orders, publisher=publisher, pricing=RULES, correlation_id="corr-1"
    )
    (event,) = publisher.events
    assert event.order_id == created.order_id
    assert event.correlation_id == "corr-1"
    assert event.data.amounts.total == created.total == 3617
    assert get_order(created.order_id, orders=orders).status == "ORDER_CREATED"


def test_order_ids_are_unguessable() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    request = CreateOrder.model_validate_json(load_event("apigw_post_order.json")["body"])
    ids = [
        place_order(
            request, catalog=CATALOG, orders=orders, publisher=publisher, pricing=RULES, correlation_id="c"
        ).order_id
        for _ in range(200)
    ]
    assert len(set(ids)) == 200
    assert all(len(i.removeprefix("ord_")) == 32 for i in ids)  # 128 random bits


def test_projection_keeps_the_latest_status() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    request = CreateOrder.model_validate_json(load_event("apigw_post_order.json")["body"])
    order_id = place_order(
        request, catalog=CATALOG, orders=orders, publisher=publisher, pricing=RULES, correlation_id="c"
    ).order_id
    shipped = sample("sqs_shipped.json")
    assert record_status(shipped.model_copy(update={"order_id": order_id}), orders=orders)
    late = sample("sqs_invoice_created.json").model_copy(update={"order_id": order_id})
    assert not record_status(late, orders=orders)
    assert get_order(order_id, orders=orders).status == "SHIPPED"


def test_billing_transient_error_stores_and_publishes_nothing() -> None:
    payments, publisher = FakeRecords(), RecordingPublisher()
    invoice = sample("sqs_invoice_created.json", payment_token="tok_processingError")
    with pytest.raises(TransientPaymentError):
        charge_invoice(invoice, payments=payments, provider=SimulatedPaymentProvider(), publisher=publisher)
    assert payments.items == {}
    assert publisher.events == []


def test_billing_republish_after_failed_publish_reuses_the_payment_and_event_id() -> None:
    payments, provider = FakeRecords(), SimulatedPaymentProvider()
    invoice = sample("sqs_invoice_created.json")
    with pytest.raises(ConnectionError):
        charge_invoice(
            invoice, payments=payments, provider=provider, publisher=RecordingPublisher(fail_times=1)
        )
    publisher = RecordingPublisher()
    charge_invoice(invoice, payments=payments, provider=provider, publisher=publisher)
    assert len(provider.charges) == 1
    assert publisher.events[0].event_id == derived_event_id(invoice.event_id, "PAYMENT_CONFIRMED")


def test_provider_deduplicates_on_the_idempotency_key() -> None:
    from services.billing.domain import ChargeRequest

    provider = SimulatedPaymentProvider()
    request = ChargeRequest(100, "GBP", "tok_visa", "charge-INV-1")
    first, second = provider.charge(request), provider.charge(request)
    assert first == second
    assert first.approved
    assert len(provider.charges) == 1
    assert not provider.charge(ChargeRequest(100, "GBP", "tok_unknown", "k2")).approved


def test_carrier_refuses_deterministically_and_tracking_is_stable() -> None:
    paid = sample("sqs_payment_confirmed.json")
    publisher = RecordingPublisher()
    ship_order(paid, shipments=FakeRecords(), carrier=SimulatedCarrier(), publisher=publisher)
    again = RecordingPublisher()
    ship_order(paid, shipments=FakeRecords(), carrier=SimulatedCarrier(), publisher=again)
    assert publisher.events[0].data.tracking_number == again.events[0].data.tracking_number
    for country in ("AU", "NZ"):
        address = paid.data.shipping_address.model_copy(update={"country": country})
        refused = paid.model_copy(update={"data": paid.data.model_copy(update={"shipping_address": address})})
        out = RecordingPublisher()
        ship_order(refused, shipments=FakeRecords(), carrier=SimulatedCarrier(), publisher=out)
        assert out.events[0].status == "SHIPMENT_ERROR"


def test_email_escapes_customer_text_in_html() -> None:
    body = body_of("sqs_shipped.json")
    body["data"]["customer"]["name"] = "<script>alert(1)</script>"
    email = render(parse_event(json.dumps(body)))
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "<script>" in email.text  # plain text is not HTML
    assert email.to == "ada@example.com"
