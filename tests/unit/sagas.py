"""What the unit tests share: a placed order on fakes, a saga's steps and their facts. Plain
helpers (pytest fixtures live in conftest.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from services.order.domain.order import Deadlines
from services.order.domain.pricing import PricingRules, Product
from services.order.usecases.commands import CreateOrder
from services.order.usecases.orders import place_order
from services.shared.events import parse_event
from tests.fakes import FakeCatalog, FakeOrders
from tests.support import body_of, load_event

RULES = PricingRules.from_file()
CATALOG = FakeCatalog(Product("BOOK-001", "Notes", 1299, True))
DEADLINES = Deadlines({"ORDER_CREATED": 60, "INVOICE_CREATED": 60, "PAYMENT_CONFIRMED": 60, "SHIPPED": 60})
REQUEST = CreateOrder.model_validate_json(load_event("apigw_post_order.json")["body"])
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def sample(name: str, **data: Any) -> Any:
    body = body_of(name)
    body["data"].update(data)
    return parse_event(json.dumps(body))


def place(orders: FakeOrders, key: str | None = None, request: CreateOrder = REQUEST) -> Any:
    return place_order(
        request,
        catalog=CATALOG,
        orders=orders,
        pricing=RULES,
        deadlines=DEADLINES,
        correlation_id="corr-1",
        idempotency_key=key,
        now=NOW,
    )


def at(minute: int) -> str:
    return f"2026-11-26T10:{minute:02d}:00+00:00"


STEPS = {
    "INVOICE_CREATED": {"invoice_number": "INV-2026-A-000001"},
    "PAYMENT_CONFIRMED": {"payment_reference": "auth_1", "amount": 3617, "currency": "GBP"},
    "PAYMENT_FAILED": {"failure_reason": "card_declined", "reason": "card_declined"},
    "SHIPPED": {"tracking_number": "SP1", "carrier": "SimPost"},
    "SHIPMENT_ERROR": {"failure_reason": "refused"},
    "PAYMENT_CAPTURED": {"capture_reference": "cap_1", "amount": 3617, "currency": "GBP"},
    "PAYMENT_VOIDED": {"void_reference": "void_1", "amount": 3617, "currency": "GBP"},
    "PAYMENT_CAPTURE_FAILED": {"reason": "authorization_expired", "amount": 3617, "currency": "GBP"},
}
