"""The order service's read side: how a stored order reads, and what it shows. The one module of
the service that code outside it may import (an import-linter contract in pyproject.toml holds
this): the API's GET and POST answers, the local console, the `orders` CLI and chaos all read
orders through it, so a change to the stored item or the view is made here once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.order.adapters.items import order_from_item
from services.order.domain.order import FLAGGED_SHARD, ORDER_ID_PATTERN, Order
from services.shared.events import Currency, MinorUnits

__all__ = [
    "FLAGGED_SHARD",
    "Order",
    "OrderCreatedResponse",
    "OrderView",
    "created_view",
    "order_of_item",
    "order_view",
]


def order_of_item(item: dict[str, Any]) -> Order:
    """The order a stored item holds (the item as a plain dict, `dynamo.from_item`'s answer)."""
    return order_from_item(item)


class OrderLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: MinorUnits
    line_total: MinorUnits


OrderId = Annotated[str, Field(pattern=ORDER_ID_PATTERN)]


class OrderCreatedResponse(BaseModel):
    order_id: OrderId
    status: str
    currency: Currency
    subtotal: MinorUnits
    tax: MinorUnits
    shipping: MinorUnits
    total: MinorUnits
    items: list[OrderLine]


class TimelineEntry(BaseModel):
    status: str
    at: str


class PaymentView(BaseModel):
    state: Literal["authorized", "captured", "voided", "failed"]
    currency: str
    amount: int = Field(description="the amount authorised (held), in minor units")
    captured_amount: int = Field(description="the amount taken, in minor units: 0 unless captured")
    authorization_reference: str | None = None
    capture_reference: str | None = None
    void_reference: str | None = None
    failure_reason: str | None = None


class AttentionView(BaseModel):
    reason: str
    at: str


class OrderView(OrderCreatedResponse):
    created_at: str
    complete: bool = Field(description="true once the saga has ended: nothing more will happen")
    timeline: list[TimelineEntry]
    invoice_number: str | None = None
    payment_reference: str | None = None
    payment: PaymentView | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    failure_reason: str | None = None
    attention: AttentionView | None = Field(
        default=None, description="set when the order stopped moving and needs a person"
    )


def created_view(order: Order) -> OrderCreatedResponse:
    """What POST /orders answers: the order as priced."""
    quote = order.quote
    return OrderCreatedResponse(
        order_id=order.order_id,
        status=order.status,
        currency=quote.currency,
        subtotal=quote.subtotal,
        tax=quote.tax,
        shipping=quote.shipping,
        total=quote.total,
        items=[
            OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
            for line in quote.lines
        ],
    )


def order_view(order: Order) -> OrderView:
    """What GET /orders/{order_id} answers: where the order stands, and how it got there."""
    payment, details = order.payment, order.details
    return OrderView(
        **created_view(order).model_dump(),
        created_at=order.created_at,
        complete=order.complete,
        timeline=[TimelineEntry(status=status, at=step.at) for status, step in order.history()],
        invoice_number=details.get("invoice_number"),
        payment_reference=payment.reference if payment else None,
        payment=None
        if payment is None
        else PaymentView(
            state=payment.state.value,
            currency=payment.currency,
            amount=payment.amount,
            captured_amount=payment.captured_amount,
            authorization_reference=payment.reference,
            capture_reference=payment.capture_reference,
            void_reference=payment.void_reference,
            failure_reason=payment.failure_reason,
        ),
        tracking_number=details.get("tracking_number"),
        carrier=details.get("carrier"),
        failure_reason=details.get("failure_reason"),
        attention=None
        if order.attention is None
        else AttentionView(reason=order.attention.reason, at=order.attention.at),
    )
