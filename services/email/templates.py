"""What the customer reads for each status: a subject, a text body and an HTML body."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from services.shared.events import (
    Envelope,
    InvoiceCreated,
    OrderCreated,
    PaymentConfirmed,
    PaymentFailed,
    PaymentVoided,
    ShipmentError,
    Shipped,
)
from services.shared.money import format_money
from services.shared.references import short_reference


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    # SES message tags: the order and the status, for event publishing and for counting sends.
    tags: tuple[tuple[str, str], ...] = ()


def _content(event: Envelope[Any]) -> tuple[str, list[str]]:
    """The subject and the paragraphs for one event."""
    ref = short_reference(event.order_id)
    match event:
        case OrderCreated():
            amounts = event.data.amounts
            lines = [
                f"{line.quantity} x {line.name}: {format_money(line.line_total, amounts.currency)}"
                for line in event.data.items
            ]
            return f"We received your order {ref}", [
                "Thank you for your order. We will confirm payment shortly.",
                *lines,
                f"Subtotal {format_money(amounts.subtotal, amounts.currency)}, "
                f"tax {format_money(amounts.tax, amounts.currency)}, "
                f"shipping {format_money(amounts.shipping, amounts.currency)}.",
                f"Total {format_money(amounts.total, amounts.currency)}.",
            ]
        case InvoiceCreated():
            amounts = event.data.amounts
            return f"Invoice {event.data.invoice_number} for order {ref}", [
                f"Invoice {event.data.invoice_number} has been issued for "
                f"{format_money(amounts.total, amounts.currency)}.",
            ]
        case PaymentConfirmed():
            return f"Payment authorised for order {ref}", [
                f"Your card has authorised {format_money(event.data.amount, event.data.currency)}. "
                "The amount is held, not taken: we take it when your order ships.",
                f"Payment reference: {event.data.payment_reference}.",
            ]
        case PaymentFailed():
            return f"Payment failed for order {ref}", [
                f"Your payment for invoice {event.data.invoice_number} was declined "
                f"({event.data.reason.replace('_', ' ')}).",
                "Your order will not be shipped. Please place it again with another card.",
            ]
        case Shipped():
            return f"Order {ref} has shipped", [
                f"Your order is on its way with {event.data.carrier}.",
                f"Tracking number: {event.data.tracking_number}.",
            ]
        case ShipmentError():
            return f"We could not ship order {ref}", [
                f"We could not ship your order: {event.data.reason}.",
                "Nothing has been taken from your card: the amount held for this order will be released.",
            ]
        case PaymentVoided():
            amount = format_money(event.data.amount, event.data.currency)
            return f"Hold released for order {ref}", [
                f"The {amount} held on your card for this order has been released.",
                "You have not been charged.",
                f"Reference: {event.data.void_reference}.",
            ]
    raise ValueError(f"no email for {event.status}")


def render(event: Envelope[Any]) -> Email:
    customer = event.data.customer
    subject, paragraphs = _content(event)
    greeting = f"Hello {customer.name},"
    text = "\n\n".join([greeting, *paragraphs, f"Order {event.order_id}"]) + "\n"
    html = (
        "<html><body>"
        + "".join(f"<p>{escape(p)}</p>" for p in [greeting, *paragraphs])
        + f"<p><small>Order {escape(event.order_id)}</small></p></body></html>"
    )
    tags = (("order", event.order_id), ("status", event.status.value))
    return Email(to=str(customer.email), subject=subject, text=text, html=html, tags=tags)
