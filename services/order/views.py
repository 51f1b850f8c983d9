"""The order as the HTTP API shows it (contracts at the edge, mapped from the domain)."""

from __future__ import annotations

from services.order.contracts import (
    AttentionView,
    OrderCreatedResponse,
    OrderLine,
    OrderView,
    PaymentView,
    TimelineEntry,
)
from services.order.domain import Order


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
