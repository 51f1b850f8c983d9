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
)
from services.shared.publishing import EventPublisher


class Invoices(Protocol):
    def for_order(self, order_id: str) -> Invoice | None: ...

    def issue(self, order_id: str, customer: Customer, amounts: Amounts, issued_at: str) -> Invoice:
        """Store a new invoice under the next number, atomically; one per order."""
        ...

    def mark_announced(self, order_id: str) -> None: ...


def issue_invoice(
    event: OrderCreated, *, invoices: Invoices, publisher: EventPublisher, reannounce: bool = False
) -> InvoiceCreated | None:
    """Issue at most one invoice per order, and announce it once. A retry after a failed publish
    finds the invoice unannounced and publishes the same event (same id, same number); a duplicate
    delivery finds it announced and does nothing, unless the sweeper asks to `reannounce`."""
    invoice = invoices.for_order(event.order_id)
    if invoice is None:
        invoice = invoices.issue(
            event.order_id, event.data.customer, event.data.amounts, event.occurred_at.isoformat()
        )
    elif invoice.announced and not reannounce:
        return None
    announced = InvoiceCreated.following(
        event,
        InvoiceCreatedData(
            invoice_number=invoice.number,
            customer=invoice.customer,
            amounts=invoice.amounts,
            shipping_address=event.data.shipping_address,
        ),
    )
    publisher.publish(announced)
    if not invoice.announced:
        invoices.mark_announced(event.order_id)
    return announced
