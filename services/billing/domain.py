"""Billing rules: a payment is authorised (held) when the invoice is issued, then captured when
the goods ship or voided when they cannot. Each provider call has an idempotency key derived from
the invoice, so a retried call never authorises, captures or voids twice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class TransientPaymentError(RuntimeError):
    """The provider could not answer now. Raised so SQS retries the message."""


class AuthorizationExpired(Exception):
    """The hold lapsed before the capture: a permanent refusal, not a fault."""


class SettlementRefused(Exception):
    """The provider refuses to capture or void (the hold was already settled the other way)."""


class MissingPaymentToken(RuntimeError):
    """No order holds a token for this invoice (an unknown order): it will end in the DLQ."""


class PaymentMissing(RuntimeError):
    """A shipment outcome for an order billing never authorised: it will end in the DLQ."""


@dataclass(frozen=True)
class AuthorizationRequest:
    order_id: str
    amount: int
    currency: str
    token: str
    idempotency_key: str


@dataclass(frozen=True)
class AuthorizationResult:
    approved: bool
    reference: str | None = None  # the authorisation id, when approved
    decline_reason: str | None = None


@dataclass(frozen=True)
class SettlementRequest:
    """Capture or void one authorisation."""

    order_id: str
    authorization: str
    amount: int
    currency: str
    idempotency_key: str


class PaymentState(StrEnum):
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"
    CAPTURE_FAILED = "capture_failed"


SETTLED = frozenset({PaymentState.CAPTURED, PaymentState.VOIDED, PaymentState.CAPTURE_FAILED})


@dataclass(frozen=True)
class Payment:
    order_id: str
    invoice_number: str
    amount: int
    currency: str
    state: PaymentState
    authorized_at: str
    authorization: str | None = None
    decline_reason: str | None = None
    capture_reference: str | None = None
    void_reference: str | None = None
    failure_reason: str | None = None
    settled_at: str | None = None
    announced: bool = False  # the authorisation's outcome was published

    def captured(self, reference: str, at: str) -> Payment:
        return replace(self, state=PaymentState.CAPTURED, capture_reference=reference, settled_at=at)

    def voided(self, reference: str, at: str) -> Payment:
        return replace(self, state=PaymentState.VOIDED, void_reference=reference, settled_at=at)

    def capture_failed(self, reason: str, at: str) -> Payment:
        return replace(self, state=PaymentState.CAPTURE_FAILED, failure_reason=reason, settled_at=at)


def authorization_key(invoice_number: str) -> str:
    """One invoice, one authorisation: the provider deduplicates on this key."""
    return f"authorize-{invoice_number}"


def capture_key(invoice_number: str) -> str:
    return f"capture-{invoice_number}"


def void_key(invoice_number: str) -> str:
    return f"void-{invoice_number}"
