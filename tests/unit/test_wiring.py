"""Wiring: every builder takes overrides, so a test runs a consumer's real wiring on fakes; and
an entrypoint builds its wiring once (functools.cache), until a test resets it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.billing import bootstrap as billing
from services.order import bootstrap as order
from services.order.domain.order import Deadlines
from services.shared.consumer import Delivery, Wiring, sqs_entrypoint
from services.shared.events import parse_event
from tests.fakes import FakeOrders, FakePayments, FakeProvider, FakeTokens, RecordingPublisher
from tests.support import body_of

FIRST = Delivery(republished=False, attempt=1)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the settings require; the overrides make sure nothing here is ever called."""
    for name in ("ORDERS_TABLE", "PAYMENTS_TABLE", "PAYMENT_PROVIDER_TABLE", "CATALOG_TABLE"):
        monkeypatch.setenv(name, "nowhere")
    monkeypatch.setenv("REQUEST_KEYS_TABLE", "nowhere")
    monkeypatch.setenv("EVENTS_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:nowhere")


def event(name: str) -> Any:
    return parse_event(json.dumps(body_of(name)))


@pytest.mark.usefixtures("environment")
def test_billing_runs_on_the_fakes_it_is_given() -> None:
    invoice = event("sqs_invoice_created.json")
    parts: dict[str, Any] = {
        "payments": FakePayments(),
        "tokens": FakeTokens({invoice.order_id: "tok_visa"}),
        "provider": FakeProvider(),
        "publisher": RecordingPublisher(),
    }
    billing.build(**parts).handle(invoice, FIRST)
    assert [e.status for e in parts["publisher"].events] == ["PAYMENT_CONFIRMED"]
    assert parts["provider"].effects == {("authorization", invoice.order_id): 1}


@pytest.mark.usefixtures("environment")
def test_the_order_builders_take_overrides() -> None:
    orders, publisher = FakeOrders(), RecordingPublisher()
    limits = Deadlines({"ORDER_CREATED": 1})
    api = order.build_api(orders=orders, deadlines=limits)
    assert (api.orders, api.deadlines) == (orders, limits)
    publishing = order.build_publishing(orders=orders, publisher=publisher)
    assert (publishing.orders, publishing.publisher) == (orders, publisher)
    with pytest.raises(Exception, match="order-x"):  # the projector looks in the fake, finds nothing
        order.projector(orders=orders).handle(
            event("sqs_invoice_created.json").model_copy(update={"order_id": "order-x"}), FIRST
        )


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
