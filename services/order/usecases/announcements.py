"""What the order announces: the event of any status it has reached, built from the stored order.

The relay publishes ORDER_CREATED this way (the outbox holds only which event is pending), and the
sweeper re-publishes a stuck order's last event. Ids and times come from the order's timeline, so
the event is the same one each time it is published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.order.domain.order import Order, Payment
from services.shared.events import (
    Amounts,
    Contract,
    Envelope,
    InvoiceCreated,
    InvoiceCreatedData,
    Line,
    OrderCreated,
    OrderCreatedData,
    PaymentCaptured,
    PaymentCapturedData,
    PaymentCaptureFailed,
    PaymentCaptureFailedData,
    PaymentConfirmed,
    PaymentConfirmedData,
    PaymentFailed,
    PaymentFailedData,
    PaymentVoided,
    PaymentVoidedData,
    ShipmentError,
    ShipmentErrorData,
    Shipped,
    ShippedData,
    Status,
)


class NotAnnounceable(ValueError):
    """The order has not reached this status, or lacks what its event carries."""


def amounts(order: Order) -> Amounts:
    quote = order.quote
    return Amounts(
        currency=quote.currency,
        subtotal=quote.subtotal,
        tax=quote.tax,
        shipping=quote.shipping,
        total=quote.total,
    )


def lines(order: Order) -> list[Line]:
    return [
        Line(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
        )
        for line in order.quote.lines
    ]


def _payment(order: Order) -> Payment:
    if order.payment is None:
        raise NotAnnounceable(f"{order.order_id} has no payment")
    return order.payment


def _data(order: Order, status: Status) -> tuple[type[Envelope[Any]], Contract]:
    details = order.details
    invoice = str(details.get("invoice_number", ""))
    customer, address = order.customer, order.shipping_address
    match status:
        case Status.ORDER_CREATED:
            return OrderCreated, OrderCreatedData(
                customer=customer, items=lines(order), shipping_address=address, amounts=amounts(order)
            )
        case Status.INVOICE_CREATED:
            return InvoiceCreated, InvoiceCreatedData(
                invoice_number=invoice, customer=customer, amounts=amounts(order), shipping_address=address
            )
        case Status.PAYMENT_CONFIRMED:
            payment = _payment(order)
            return PaymentConfirmed, PaymentConfirmedData(
                invoice_number=invoice,
                payment_reference=payment.reference or "",
                amount=payment.amount,
                currency=payment.currency,
                customer=customer,
                shipping_address=address,
            )
        case Status.PAYMENT_FAILED:
            reason = str(details.get("failure_reason", "declined"))
            return PaymentFailed, PaymentFailedData(invoice_number=invoice, reason=reason, customer=customer)
        case Status.SHIPPED:
            return Shipped, ShippedData(
                tracking_number=str(details.get("tracking_number", "")),
                carrier=str(details.get("carrier", "")),
                customer=customer,
            )
        case Status.SHIPMENT_ERROR:
            reason = str(details.get("failure_reason", "refused"))
            return ShipmentError, ShipmentErrorData(reason=reason, customer=customer)
        case Status.PAYMENT_CAPTURED:
            payment = _payment(order)
            return PaymentCaptured, PaymentCapturedData(
                invoice_number=invoice,
                capture_reference=payment.capture_reference or "",
                amount=payment.amount,
                currency=payment.currency,
            )
        case Status.PAYMENT_VOIDED:
            payment = _payment(order)
            return PaymentVoided, PaymentVoidedData(
                invoice_number=invoice,
                void_reference=payment.void_reference or "",
                amount=payment.amount,
                currency=payment.currency,
                customer=customer,
            )
        case Status.PAYMENT_CAPTURE_FAILED:
            payment = _payment(order)
            return PaymentCaptureFailed, PaymentCaptureFailedData(
                invoice_number=invoice,
                reason=payment.failure_reason or "unknown",
                amount=payment.amount,
                currency=payment.currency,
            )
    raise NotAnnounceable(status)


def announcement(order: Order, status: str) -> Envelope[Any]:
    """The event of `status` for `order`, exactly as it was (or is to be) published."""
    step = order.timeline.get(status)
    if step is None:
        raise NotAnnounceable(f"{order.order_id} has not reached {status}")
    event_type, data = _data(order, Status(status))
    return event_type.of_order(order.order_id, order.correlation_id, data, datetime.fromisoformat(step.at))
