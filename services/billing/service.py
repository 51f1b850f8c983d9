"""Use cases: authorise an issued invoice (hold the money), then capture it when the goods ship or
void it when they cannot. The ports they need are declared here."""

from __future__ import annotations

from typing import Protocol

from services.billing.domain import (
    SETTLED,
    AuthorizationExpired,
    AuthorizationRequest,
    AuthorizationResult,
    MissingPaymentToken,
    Payment,
    PaymentMissing,
    PaymentState,
    SettlementRequest,
    authorization_key,
    capture_key,
    void_key,
)
from services.shared.events import (
    InvoiceCreated,
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
    Shipped,
    now,
)
from services.shared.publishing import EventPublisher


class PaymentProvider(Protocol):
    """A card processor. Every call is idempotent on its request's key."""

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResult:
        """Hold the amount; raises TransientPaymentError when it cannot answer now."""
        ...

    def capture(self, request: SettlementRequest) -> str:
        """Take the held amount; its reference. Raises AuthorizationExpired, SettlementRefused,
        TransientPaymentError."""
        ...

    def void(self, request: SettlementRequest) -> str:
        """Release the hold; its reference. Raises SettlementRefused, TransientPaymentError."""
        ...


class Payments(Protocol):
    def for_order(self, order_id: str) -> Payment | None: ...

    def add(self, payment: Payment) -> Payment:
        """Store `payment`, or return the one already stored for its order."""
        ...

    def mark_announced(self, order_id: str) -> None: ...

    def settle(self, payment: Payment) -> Payment:
        """Store the settlement if the payment is still authorised; else return what is stored."""
        ...


class PaymentTokens(Protocol):
    def token_for(self, order_id: str) -> str | None: ...


# -- authorising ----------------------------------------------------------------------


def authorize_payment(
    event: InvoiceCreated,
    *,
    payments: Payments,
    tokens: PaymentTokens,
    provider: PaymentProvider,
    publisher: EventPublisher,
    reannounce: bool = False,
) -> PaymentConfirmed | PaymentFailed | None:
    """Hold the invoice's amount once, record the outcome, then announce it once."""
    data = event.data
    payment = payments.for_order(event.order_id)
    if payment is None:
        token = tokens.token_for(event.order_id)
        if token is None:
            raise MissingPaymentToken(f"no payment token for order {event.order_id}")
        # A transient provider error raises here: nothing is held, recorded or published.
        result = provider.authorize(
            AuthorizationRequest(
                order_id=event.order_id,
                amount=data.amounts.total,
                currency=data.amounts.currency,
                token=token,
                idempotency_key=authorization_key(data.invoice_number),
            )
        )
        payment = payments.add(
            Payment(
                order_id=event.order_id,
                invoice_number=data.invoice_number,
                amount=data.amounts.total,
                currency=data.amounts.currency,
                state=PaymentState.AUTHORIZED if result.approved else PaymentState.DECLINED,
                authorized_at=now().isoformat(),
                authorization=result.reference,
                decline_reason=result.decline_reason,
            )
        )
    elif payment.announced and not reannounce:
        return None  # a duplicate delivery: already held and announced
    outcome = authorization_outcome(event, payment)
    publisher.publish(outcome)
    if not payment.announced:
        payments.mark_announced(event.order_id)
    return outcome


def authorization_outcome(event: InvoiceCreated, payment: Payment) -> PaymentConfirmed | PaymentFailed:
    data = event.data
    if payment.state is PaymentState.DECLINED:
        return PaymentFailed.following(
            event,
            PaymentFailedData(
                invoice_number=payment.invoice_number,
                reason=payment.decline_reason or "declined",
                customer=data.customer,
            ),
        )
    return PaymentConfirmed.following(
        event,
        PaymentConfirmedData(
            invoice_number=payment.invoice_number,
            payment_reference=payment.authorization or "",
            amount=payment.amount,
            currency=payment.currency,
            customer=data.customer,
            shipping_address=data.shipping_address,
        ),
    )


# -- settling ---------------------------------------------------------------------------

Settlement = PaymentCaptured | PaymentVoided | PaymentCaptureFailed


def settle_payment(
    event: Shipped | ShipmentError,
    *,
    payments: Payments,
    provider: PaymentProvider,
    publisher: EventPublisher,
    reannounce: bool = False,
) -> Settlement | None:
    """Capture the hold when the order shipped, void it when it could not ship. A capture the
    provider refuses because the hold expired becomes PAYMENT_CAPTURE_FAILED."""
    payment = payments.for_order(event.order_id)
    if payment is None:
        raise PaymentMissing(f"order {event.order_id} has no authorised payment")
    wanted = PaymentState.CAPTURED if isinstance(event, Shipped) else PaymentState.VOIDED
    if payment.state in SETTLED:
        settled_as_asked = payment.state is wanted or (
            wanted is PaymentState.CAPTURED and payment.state is PaymentState.CAPTURE_FAILED
        )
        if reannounce and settled_as_asked:
            outcome = settlement_outcome(event, payment)
            publisher.publish(outcome)
            return outcome
        return None  # a duplicate, or an outcome that contradicts how the payment was settled
    if payment.state is PaymentState.DECLINED or payment.authorization is None:
        return None  # nothing is held: there is nothing to capture or void
    at = now().isoformat()
    request = SettlementRequest(
        order_id=payment.order_id,
        authorization=payment.authorization,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=(capture_key if isinstance(event, Shipped) else void_key)(payment.invoice_number),
    )
    if isinstance(event, Shipped):
        try:
            settled = payment.captured(provider.capture(request), at)
        except AuthorizationExpired as expired:
            settled = payment.capture_failed(str(expired) or "authorization_expired", at)
    else:
        settled = payment.voided(provider.void(request), at)
    outcome = settlement_outcome(event, settled)
    # Published before it is recorded: a retry after a failed publish finds the payment still
    # authorised, and the provider answers the same keyed call with the same reference.
    publisher.publish(outcome)
    payments.settle(settled)
    return outcome


def settlement_outcome(cause: Shipped | ShipmentError, payment: Payment) -> Settlement:
    if payment.state is PaymentState.CAPTURED:
        return PaymentCaptured.following(
            cause,
            PaymentCapturedData(
                invoice_number=payment.invoice_number,
                capture_reference=payment.capture_reference or "",
                amount=payment.amount,
                currency=payment.currency,
            ),
        )
    if payment.state is PaymentState.VOIDED:
        if not isinstance(cause, ShipmentError):
            raise ValueError("a void follows SHIPMENT_ERROR, not SHIPPED")
        return PaymentVoided.following(
            cause,
            PaymentVoidedData(
                invoice_number=payment.invoice_number,
                void_reference=payment.void_reference or "",
                amount=payment.amount,
                currency=payment.currency,
                customer=cause.data.customer,
            ),
        )
    return PaymentCaptureFailed.following(
        cause,
        PaymentCaptureFailedData(
            invoice_number=payment.invoice_number,
            reason=payment.failure_reason or "unknown",
            amount=payment.amount,
            currency=payment.currency,
        ),
    )
