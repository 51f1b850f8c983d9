"""Use cases with in-memory fakes: no AWS, no network."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from services.billing.domain import MissingPaymentToken, PaymentState, TransientPaymentError
from services.billing.service import authorize_payment, settle_payment
from services.email.templates import render
from services.invoice.service import issue_invoice
from services.order.domain.order import OrderNotFound
from services.order.domain.order import PaymentState as OrderPayment
from services.order.usecases.announcements import announcement
from services.order.usecases.orders import KeyReused, get_order
from services.order.usecases.saga import Relayed, record_status, relay, sweep
from services.shared.events import Status, event_id_for, parse_event
from services.shipment.service import ship_order
from tests.fakes import (
    FakeCarrier,
    FakeOrders,
    FakePayments,
    FakeProvider,
    FakeRecords,
    FakeTokens,
    RecordingPublisher,
)
from tests.support import body_of
from tests.unit.sagas import DEADLINES, NOW, REQUEST, place, sample

# -- placing: one write, the event in it -------------------------------------------------


def test_placing_stores_the_order_with_its_event_pending_and_publishes_nothing() -> None:
    orders = FakeOrders()
    order = place(orders)
    stored = get_order(order.order_id, orders=orders)
    assert stored.outbox == "ORDER_CREATED"
    assert stored.quote.total == 3617
    event = announcement(stored, "ORDER_CREATED")
    assert event.event_id == event_id_for(order.order_id, Status.ORDER_CREATED)
    assert event.correlation_id == "corr-1"
    assert "payment_token" not in event.model_dump_json()


def test_order_ids_are_unguessable() -> None:
    orders = FakeOrders()
    ids = [place(orders).order_id for _ in range(200)]
    assert len(set(ids)) == 200
    assert all(len(i.removeprefix("ord_")) == 32 for i in ids)  # 128 random bits


def test_the_same_key_and_body_give_the_same_order_and_another_body_is_refused() -> None:
    orders = FakeOrders()
    first = place(orders, key="k-1")
    assert place(orders, key="k-1").order_id == first.order_id
    assert len(orders.items) == 1
    other = REQUEST.model_copy(update={"payment": REQUEST.payment.model_copy(update={"token": "tok_amex"})})
    with pytest.raises(KeyReused):
        place(orders, key="k-1", request=other)
    assert place(orders, key="k-2").order_id != first.order_id


# -- the relay ---------------------------------------------------------------------------


def test_the_relay_publishes_the_pending_event_then_clears_the_outbox() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    order = place(orders)
    assert relay(order.order_id, "ORDER_CREATED", orders=orders, publisher=publisher) is Relayed.PUBLISHED
    (event,) = publisher.events
    assert event.status == "ORDER_CREATED"
    assert event.data.amounts.total == 3617
    assert orders.items[order.order_id].outbox is None
    # the same record again (a redelivery): the stored outbox is clear, nothing is published
    assert relay(order.order_id, "ORDER_CREATED", orders=orders, publisher=publisher) is Relayed.NOT_PENDING
    assert len(publisher.events) == 1


def test_the_relay_publishes_nothing_for_an_order_the_table_does_not_hold() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    outcome = relay("ord_" + "0" * 32, "ORDER_CREATED", orders=orders, publisher=publisher)
    assert outcome is Relayed.ORDER_MISSING
    assert publisher.events == []


def test_the_relay_builds_the_event_from_the_stored_order_not_the_record() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    order = place(orders)
    stored = orders.items[order.order_id]
    orders.items[order.order_id] = replace(
        stored, customer=stored.customer.model_copy(update={"name": "Stored"})
    )
    relay(order.order_id, "ORDER_CREATED", orders=orders, publisher=publisher)
    (event,) = publisher.events
    assert event.data.customer.name == "Stored"


def test_a_record_of_an_event_no_longer_pending_publishes_nothing() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    order = place(orders)
    outcome = relay(order.order_id, "INVOICE_CREATED", orders=orders, publisher=publisher)
    assert outcome is Relayed.NOT_PENDING
    assert publisher.events == []
    assert orders.items[order.order_id].outbox == "ORDER_CREATED"


def test_an_outbox_that_changed_while_publishing_is_reported() -> None:
    orders = FakeOrders()
    order = place(orders)

    class Racing(RecordingPublisher):
        def publish(self, event: Any, **kwargs: Any) -> None:
            super().publish(event, **kwargs)
            orders.items[order.order_id] = orders.items[order.order_id].dispatched()  # cleared meanwhile

    outcome = relay(order.order_id, "ORDER_CREATED", orders=orders, publisher=Racing())
    assert outcome is Relayed.PUBLISHED_OUTBOX_CHANGED


def test_a_failed_publish_leaves_the_event_pending() -> None:
    orders = FakeOrders()
    order = place(orders)
    with pytest.raises(ConnectionError):
        relay(order.order_id, "ORDER_CREATED", orders=orders, publisher=RecordingPublisher(fail_times=1))
    assert orders.items[order.order_id].outbox == "ORDER_CREATED"


# -- projecting ------------------------------------------------------------------------


def test_projection_keeps_the_latest_status_and_records_the_payment() -> None:
    orders = FakeOrders()
    order_id = place(orders).order_id
    for name in ("sqs_shipped.json", "sqs_payment_confirmed.json", "sqs_payment_captured.json"):
        event = sample(name).model_copy(update={"order_id": order_id})
        assert record_status(event, orders=orders, deadlines=DEADLINES)
    late = sample("sqs_invoice_created.json").model_copy(update={"order_id": order_id})
    assert record_status(late, orders=orders, deadlines=DEADLINES)  # history, not status
    again = sample("sqs_shipped.json").model_copy(update={"order_id": order_id, "event_id": "forged"})
    assert not record_status(again, orders=orders, deadlines=DEADLINES)
    stored = get_order(order_id, orders=orders)
    assert stored.status == "SHIPPED"
    assert stored.complete
    assert stored.payment is not None
    assert stored.payment.state is OrderPayment.CAPTURED


def test_an_event_for_an_unknown_order_raises() -> None:
    with pytest.raises(OrderNotFound):
        record_status(sample("sqs_shipped.json"), orders=FakeOrders(), deadlines=DEADLINES)


# -- the sweeper -----------------------------------------------------------------------


def test_the_sweeper_nudges_once_then_flags_with_a_reason() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    order = place(orders)
    assert sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW).nudged == ()  # not due yet
    first = sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW + timedelta(seconds=61))
    assert first.nudged == (order.order_id,)
    (event,) = publisher.republished
    assert event.status == "ORDER_CREATED"
    assert event.event_id == event_id_for(order.order_id, "ORDER_CREATED")
    quiet = sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW + timedelta(seconds=100))
    assert quiet == type(quiet)((), ())  # the nudge has a deadline of its own
    second = sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW + timedelta(seconds=130))
    assert second.flagged == (order.order_id,)
    assert len(publisher.republished) == 1  # re-published once, not at every sweep
    stuck = get_order(order.order_id, orders=orders)
    assert stuck.attention is not None
    assert "ORDER_CREATED" in stuck.attention.reason
    later = sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW + timedelta(days=1))
    assert later.flagged == later.nudged == ()


def test_the_sweeper_never_touches_a_complete_order() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    order_id = place(orders).order_id
    for name in ("sqs_invoice_created.json", "sqs_payment_failed.json"):
        record_status(
            sample(name).model_copy(update={"order_id": order_id}), orders=orders, deadlines=DEADLINES
        )
    assert get_order(order_id, orders=orders).complete
    result = sweep(orders=orders, publisher=publisher, deadlines=DEADLINES, now=NOW + timedelta(days=2))
    assert result.nudged == result.flagged == ()
    assert publisher.events == []


# -- invoice -------------------------------------------------------------------------------


class FakeInvoices:
    def __init__(self) -> None:
        from services.invoice.domain import Invoice, invoice_number

        self.items: dict[str, Invoice] = {}
        self._number = invoice_number
        self._type = Invoice

    def for_order(self, order_id: str) -> Any:
        return self.items.get(order_id)

    def issue(self, order_id: str, customer: Any, amounts: Any, issued_at: str) -> Any:
        number = self._number(2026, "A", len(self.items) + 1)
        return self.items.setdefault(order_id, self._type(order_id, number, customer, amounts, issued_at))

    def mark_announced(self, order_id: str) -> None:
        from dataclasses import replace

        self.items[order_id] = replace(self.items[order_id], announced=True)


def test_an_invoice_is_issued_once_and_announced_once() -> None:
    invoices, publisher = FakeInvoices(), RecordingPublisher()
    created = sample("sqs_order_created.json")
    with pytest.raises(ConnectionError):
        issue_invoice(created, invoices=invoices, publisher=RecordingPublisher(fail_times=1))
    assert issue_invoice(created, invoices=invoices, publisher=publisher) is not None  # the retry announces
    assert issue_invoice(created, invoices=invoices, publisher=publisher) is None  # a duplicate does not
    nudged = issue_invoice(created, invoices=invoices, publisher=publisher, reannounce=True)
    assert nudged is not None
    assert len(invoices.items) == 1
    assert [e.data.invoice_number for e in publisher.events] == ["INV-2026-A-000001", "INV-2026-A-000001"]
    assert {e.event_id for e in publisher.events} == {event_id_for(created.order_id, "INVOICE_CREATED")}


# -- billing -------------------------------------------------------------------------------


def billing(token: str = "tok_visa", **provider: Any) -> dict[str, Any]:
    order_id = sample("sqs_invoice_created.json").order_id
    return {
        "payments": FakePayments(),
        "tokens": FakeTokens({order_id: token}),
        "provider": FakeProvider(**provider),
        "publisher": RecordingPublisher(),
    }


def test_billing_authorises_once_and_announces_once() -> None:
    parts = billing()
    invoice = sample("sqs_invoice_created.json")
    confirmed = authorize_payment(invoice, **parts)
    assert confirmed is not None
    assert confirmed.status == "PAYMENT_CONFIRMED"
    assert authorize_payment(invoice, **parts) is None
    assert parts["provider"].effects == {("authorization", invoice.order_id): 1}
    assert parts["payments"].items[invoice.order_id].state is PaymentState.AUTHORIZED


def test_billing_transient_error_holds_records_and_publishes_nothing() -> None:
    parts = billing(fail_times=1)
    invoice = sample("sqs_invoice_created.json")
    with pytest.raises(TransientPaymentError):
        authorize_payment(invoice, **parts)
    assert parts["payments"].items == {}
    assert parts["publisher"].events == []


def test_billing_retry_after_a_failed_publish_announces_the_recorded_authorisation() -> None:
    parts = billing()
    invoice = sample("sqs_invoice_created.json")
    with pytest.raises(ConnectionError):
        authorize_payment(invoice, **{**parts, "publisher": RecordingPublisher(fail_times=1)})
    parts["tokens"].tokens.clear()  # the token is no longer needed: the outcome is recorded
    assert authorize_payment(invoice, **parts) is not None
    assert parts["provider"].effects[("authorization", invoice.order_id)] == 1


def test_an_invoice_for_an_order_without_a_token_is_refused() -> None:
    parts = billing()
    parts["tokens"].tokens.clear()
    with pytest.raises(MissingPaymentToken):
        authorize_payment(sample("sqs_invoice_created.json"), **parts)


def test_a_declined_authorisation_is_a_payment_failed_event() -> None:
    parts = billing(token="tok_chargeDeclined")
    outcome = authorize_payment(sample("sqs_invoice_created.json"), **parts)
    assert outcome is not None
    assert outcome.status == "PAYMENT_FAILED"
    assert outcome.data.reason == "card_declined"


def settle_parts(expired: bool = False) -> dict[str, Any]:
    parts = billing(expired=expired)
    authorize_payment(sample("sqs_invoice_created.json"), **parts)
    parts["publisher"].events.clear()
    return {k: parts[k] for k in ("payments", "provider", "publisher")}


def test_shipping_captures_once_and_a_refusal_voids_once() -> None:
    parts = settle_parts()
    shipped = sample("sqs_shipped.json")
    captured = settle_payment(shipped, **parts)
    assert captured is not None
    assert captured.status == "PAYMENT_CAPTURED"
    assert settle_payment(shipped, **parts) is None
    assert settle_payment(sample("sqs_shipment_error.json"), **parts) is None  # contradicts: ignored
    order_id = shipped.order_id
    assert parts["provider"].effects[("capture", order_id)] == 1
    assert parts["provider"].effects[("void", order_id)] == 0

    refused = settle_parts()
    voided = settle_payment(sample("sqs_shipment_error.json"), **refused)
    assert voided is not None
    assert voided.status == "PAYMENT_VOIDED"
    assert refused["provider"].effects[("void", order_id)] == 1
    assert refused["provider"].effects[("capture", order_id)] == 0


def test_a_capture_after_the_hold_expired_is_a_capture_failed_event() -> None:
    parts = settle_parts(expired=True)
    outcome = settle_payment(sample("sqs_shipped.json"), **parts)
    assert outcome is not None
    assert outcome.status == "PAYMENT_CAPTURE_FAILED"
    assert outcome.data.reason == "authorization_expired"
    assert parts["payments"].items[outcome.order_id].state is PaymentState.CAPTURE_FAILED


def test_a_retry_after_a_failed_publish_captures_once() -> None:
    parts = settle_parts()
    shipped = sample("sqs_shipped.json")
    with pytest.raises(ConnectionError):
        settle_payment(shipped, **{**parts, "publisher": RecordingPublisher(fail_times=1)})
    assert settle_payment(shipped, **parts) is not None
    assert parts["provider"].effects[("capture", shipped.order_id)] == 1


# -- shipment and email ------------------------------------------------------------------


def test_a_shipment_is_booked_once_and_announced_once() -> None:
    paid = sample("sqs_payment_confirmed.json")
    shipments, carrier, publisher = FakeRecords(), FakeCarrier(), RecordingPublisher()
    with pytest.raises(ConnectionError):
        ship_order(paid, shipments=shipments, carrier=carrier, publisher=RecordingPublisher(fail_times=1))
    assert ship_order(paid, shipments=shipments, carrier=carrier, publisher=publisher) is not None
    assert ship_order(paid, shipments=shipments, carrier=carrier, publisher=publisher) is None
    assert [e.status for e in publisher.events] == ["SHIPPED"]


def test_a_refused_destination_is_a_shipment_error() -> None:
    paid = sample("sqs_payment_confirmed.json")
    address = paid.data.shipping_address.model_copy(update={"country": "NZ"})
    refused = paid.model_copy(update={"data": paid.data.model_copy(update={"shipping_address": address})})
    publisher = RecordingPublisher()
    ship_order(refused, shipments=FakeRecords(), carrier=FakeCarrier(), publisher=publisher)
    assert publisher.events[0].status == "SHIPMENT_ERROR"
    assert "NZ" in publisher.events[0].data.reason


def test_email_escapes_customer_text_in_html() -> None:
    body = body_of("sqs_shipped.json")
    body["data"]["customer"]["name"] = "<script>alert(1)</script>"
    email = render(parse_event(json.dumps(body)))
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "<script>" in email.text  # plain text is not HTML
    assert email.to == "ada@example.com"
    assert ("status", "SHIPPED") in email.tags


def test_a_released_hold_tells_the_customer_the_amount() -> None:
    email = render(sample("sqs_payment_voided.json"))
    assert "GBP 36.17" in email.text
    assert "released" in email.subject.lower()
