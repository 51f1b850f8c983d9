"""How people refer to an order: its id, or the short form every tool and email shows."""

from __future__ import annotations

ORDER_ID_PREFIX = "ord_"
SHORT_LENGTH = 8


def short_reference(order_id: str) -> str:
    """`ord_3f2a9c1be0…` -> `3f2a9c1b`: the first 8 hex digits, unique enough to type."""
    return order_id.removeprefix(ORDER_ID_PREFIX)[:SHORT_LENGTH]
