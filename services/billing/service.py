"""Use case: charge an issued invoice once, then announce the outcome."""

from __future__ import annotations

from typing import Protocol

from services.billing.domain import ChargeRequest, Payment, charge_key
from services.billing.provider import PaymentProvider
from services.shared.events import (
    InvoiceCreated,
    PaymentConfirmed,
    PaymentConfirmedData,
    PaymentFailed,
    PaymentFailedData,
    follow_up,
)
from services.shared.publishing import EventPublisher


class Payments(Protocol):
    def for_order(self, order_id: str) -> Payment | None: ...

    def add(self, payment: Payment) -> Payment:
        """Store `payment`, or return the one already stored for its order."""
        ...


def charge_invoice(
    event: InvoiceCreated,
    *,
    payments: Payments,
    provider: PaymentProvider,
    publisher: EventPublisher,
) -> PaymentConfirmed | PaymentFailed:
    data = event.data
    payment = payments.for_order(event.order_id)
    if payment is None:
        # A transient provider error raises here: nothing stored, nothing
        # published, and SQS delivers the message again later.
        result = provider.charge(
            ChargeRequest(
                amount=data.amounts.total,
                currency=data.amounts.currency,
                token=data.payment_token,
                idempotency_key=charge_key(data.invoice_number),
            )
        )
        payment = payments.add(
            Payment(
                order_id=event.order_id,
                invoice_number=data.invoice_number,
                amount=data.amounts.total,
                currency=data.amounts.currency,
                approved=result.approved,
                reference=result.reference,
                decline_reason=result.decline_reason,
                charged_at=event.occurred_at.isoformat(),
            )
        )
    outcome: PaymentConfirmed | PaymentFailed
    if payment.approved:
        outcome = follow_up(  # type: ignore[assignment]
            event,
            PaymentConfirmed,
            PaymentConfirmedData(
                invoice_number=payment.invoice_number,
                payment_reference=payment.reference or "",
                amount=payment.amount,
                currency=payment.currency,
                customer=data.customer,
                shipping_address=data.shipping_address,
            ),
        )
    else:
        outcome = follow_up(  # type: ignore[assignment]
            event,
            PaymentFailed,
            PaymentFailedData(
                invoice_number=payment.invoice_number,
                reason=payment.decline_reason or "declined",
                customer=data.customer,
            ),
        )
    publisher.publish(outcome)
    return outcome
