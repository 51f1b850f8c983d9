"""Billing rules: what a charge is, and how its idempotency key is made."""

from __future__ import annotations

from dataclasses import dataclass


class TransientPaymentError(RuntimeError):
    """The provider could not answer now. Raised so SQS retries the message."""


@dataclass(frozen=True)
class ChargeRequest:
    amount: int
    currency: str
    token: str
    idempotency_key: str


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    reference: str | None = None
    decline_reason: str | None = None


@dataclass(frozen=True)
class Payment:
    order_id: str
    invoice_number: str
    amount: int
    currency: str
    approved: bool
    reference: str | None
    decline_reason: str | None
    charged_at: str


def charge_key(invoice_number: str) -> str:
    """One invoice, one charge: the provider deduplicates on this key."""
    return f"charge-{invoice_number}"
