"""Invoice rules: gapless numbers, in as many series as the throughput needs.

One counter caps issuing at what one DynamoDB partition takes (about 1,000 write units a second,
and issuing is a two-item transaction: some 500 invoices a second). Many jurisdictions allow
several invoice series, each gapless and sequential on its own: an order's series is chosen by a
stable hash of its id, so a retry always lands in the same series, and each series has its own
counter item (its own partition). Numbers restart each calendar year: `INV-2026-B-000123`.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

from services.shared.events import Amounts, Customer

PREFIX = "INV"
SERIES = string.ascii_uppercase  # at most 26 series: A, B, C...


def series_of(order_id: str, series_count: int) -> str:
    """The order's series: stable for the order, spread evenly across `series_count` series."""
    if not 1 <= series_count <= len(SERIES):
        raise ValueError(f"between 1 and {len(SERIES)} invoice series")
    digest = hashlib.sha256(order_id.encode()).digest()
    return SERIES[int.from_bytes(digest[:8], "big") % series_count]


def invoice_number(year: int, series: str, sequence: int) -> str:
    """Human-readable and sortable within its series: (2026, "B", 123) -> INV-2026-B-000123."""
    if sequence < 1:
        raise ValueError("invoice sequence starts at 1")
    return f"{PREFIX}-{year}-{series}-{sequence:06d}"


def counter_key(year: int, series: str) -> str:
    return f"counter#{year}#{series}"


@dataclass(frozen=True)
class Invoice:
    order_id: str
    number: str
    customer: Customer
    amounts: Amounts
    issued_at: str
    announced: bool = False  # INVOICE_CREATED was published
