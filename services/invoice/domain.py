"""Invoice rules."""

from __future__ import annotations

from dataclasses import dataclass

from services.shared.events import Amounts, Customer

PREFIX = "INV"


def invoice_number(sequence: int) -> str:
    """Human-readable and sortable: 1 -> INV-000001."""
    if sequence < 1:
        raise ValueError("invoice sequence starts at 1")
    return f"{PREFIX}-{sequence:06d}"


@dataclass(frozen=True)
class Invoice:
    order_id: str
    number: str
    customer: Customer
    amounts: Amounts
    issued_at: str
    announced: bool = False  # INVOICE_CREATED was published
