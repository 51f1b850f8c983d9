"""Use case: issue the invoice for a new order, then announce it."""

from __future__ import annotations

from typing import Protocol

from services.invoice.domain import Invoice
from services.shared.events import (
    Amounts,
    Customer,
    InvoiceCreated,
    InvoiceCreatedData,
    OrderCreated,
    follow_up,
)
from services.shared.publishing import EventPublisher


class Invoices(Protocol):
    def for_order(self, order_id: str) -> Invoice | None: ...

    def issue(self, order_id: str, customer: Customer, amounts: Amounts, issued_at: str) -> Invoice:
        """Store a new invoice under the next number, atomically; one per order."""
        ...


def issue_invoice(event: OrderCreated, *, invoices: Invoices, publisher: EventPublisher) -> InvoiceCreated:
    # A retry after a failed publish finds the invoice already issued and
    # republishes the same event (same id), so no number is spent twice.
    invoice = invoices.for_order(event.order_id) or invoices.issue(
        event.order_id, event.data.customer, event.data.amounts, event.occurred_at.isoformat()
    )
    announced = follow_up(
        event,
        InvoiceCreated,
        InvoiceCreatedData(
            invoice_number=invoice.number,
            customer=invoice.customer,
            amounts=invoice.amounts,
            payment_token=event.data.payment_token,
            shipping_address=event.data.shipping_address,
        ),
    )
    publisher.publish(announced)
    return announced  # type: ignore[return-value]
