"""Order use cases: place an order, read it, and project the saga's statuses onto it."""

from __future__ import annotations

import secrets
import uuid
from typing import Any, Protocol

from services.order.contracts import CreateOrder, OrderCreatedResponse, OrderView
from services.order.domain import (
    STATUS_RANK,
    OrderNotFound,
    PricingRules,
    Product,
    StatusChange,
    timeline,
)
from services.shared.events import (
    Amounts,
    Envelope,
    InvoiceCreated,
    Line,
    OrderCreated,
    OrderCreatedData,
    PaymentConfirmed,
    PaymentFailed,
    ShipmentError,
    Shipped,
    Status,
    now,
)
from services.shared.publishing import EventPublisher


class Catalog(Protocol):
    def products(self, skus: set[str]) -> dict[str, Product]: ...


class Orders(Protocol):
    def add(self, order: dict[str, Any]) -> None: ...

    def get(self, order_id: str) -> dict[str, Any] | None: ...

    def apply(self, order_id: str, change: StatusChange) -> bool:
        """Record `change`; move the status only forward. False when it did not move."""
        ...


def new_order_id() -> str:
    """128 random bits: unguessable, and URL-safe."""
    return "ord_" + secrets.token_hex(16)


def place_order(
    request: CreateOrder,
    *,
    catalog: Catalog,
    orders: Orders,
    publisher: EventPublisher,
    pricing: PricingRules,
    correlation_id: str,
) -> OrderCreatedResponse:
    products = catalog.products({item.sku for item in request.items})
    quote = pricing.quote(
        [(item.sku, item.quantity) for item in request.items],
        products,
        request.shipping_address.country,
    )
    order_id = new_order_id()
    event = OrderCreated(
        event_id=str(uuid.uuid4()),
        occurred_at=now(),
        order_id=order_id,
        correlation_id=correlation_id,
        data=OrderCreatedData(
            customer=request.customer,
            items=[
                Line(
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=line.line_total,
                )
                for line in quote.lines
            ],
            shipping_address=request.shipping_address,
            amounts=Amounts(
                currency=quote.currency,
                subtotal=quote.subtotal,
                tax=quote.tax,
                shipping=quote.shipping,
                total=quote.total,
            ),
            payment_token=request.payment.token,
        ),
    )
    at = event.occurred_at.isoformat()
    record: dict[str, Any] = {
        "order_id": order_id,
        "status": Status.ORDER_CREATED.value,
        "status_rank": STATUS_RANK[Status.ORDER_CREATED],
        "created_at": at,
        "correlation_id": correlation_id,
        "customer": request.customer.model_dump(mode="json"),
        "shipping_address": request.shipping_address.model_dump(mode="json"),
        **event.data.amounts.model_dump(),
        "items": [line.model_dump() for line in event.data.items],
        "timeline": {Status.ORDER_CREATED.value: {"at": at, "event_id": event.event_id}},
    }
    orders.add(record)
    publisher.publish(event)
    return OrderCreatedResponse.model_validate(record)


def get_order(order_id: str, *, orders: Orders) -> OrderView:
    record = orders.get(order_id)
    if record is None:
        raise OrderNotFound(order_id)
    return OrderView.model_validate({**record, "timeline": timeline(record["timeline"])})


def status_change(event: Envelope[Any]) -> StatusChange:
    """What a downstream event records on the order."""
    details: dict[str, Any]
    match event:
        case InvoiceCreated():
            details = {"invoice_number": event.data.invoice_number}
        case PaymentConfirmed():
            details = {"payment_reference": event.data.payment_reference}
        case PaymentFailed():
            details = {"failure_reason": event.data.reason}
        case Shipped():
            details = {"tracking_number": event.data.tracking_number, "carrier": event.data.carrier}
        case ShipmentError():
            details = {"failure_reason": event.data.reason}
        case _:
            raise ValueError(f"{event.status} is not projected onto orders")
    return StatusChange(
        status=event.status.value,
        at=event.occurred_at.isoformat(),
        event_id=event.event_id,
        details=details,
    )


def record_status(event: Envelope[Any], *, orders: Orders) -> bool:
    """Project one downstream event. Duplicates and stale events never move it backwards."""
    return orders.apply(event.order_id, status_change(event))
