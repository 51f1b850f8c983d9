"""Order rules: pricing, destinations, and how the saga's status may move."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.shared.money import percent_of

PRICING_FILE = Path(__file__).resolve().parent / "pricing.json"


class OrderError(Exception):
    """A request the domain refuses. `field` is the path of the offending input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownProduct(OrderError):
    pass


class UnsupportedCountry(OrderError):
    pass


class OrderNotFound(Exception):
    pass


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    unit_price: int
    active: bool


@dataclass(frozen=True)
class PricedLine:
    sku: str
    name: str
    quantity: int
    unit_price: int

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[PricedLine, ...]
    subtotal: int
    tax: int
    shipping: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax + self.shipping


@dataclass(frozen=True)
class PricingRules:
    currency: str
    shipping_fee: int
    free_shipping_threshold: int
    tax_basis_points: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path = PRICING_FILE) -> PricingRules:
        raw = json.loads(path.read_text())
        return cls(
            currency=raw["currency"],
            shipping_fee=int(raw["shipping_fee"]),
            free_shipping_threshold=int(raw["free_shipping_threshold"]),
            tax_basis_points={k: int(v) for k, v in raw["tax_basis_points"].items()},
        )

    def quote(self, requested: list[tuple[str, int]], products: dict[str, Product], country: str) -> Quote:
        """Price `(sku, quantity)` lines from the catalog for delivery to `country`."""
        if country not in self.tax_basis_points:
            raise UnsupportedCountry(f"we do not deliver to {country}", field="shipping_address.country")
        lines = []
        for index, (sku, quantity) in enumerate(requested):
            product = products.get(sku)
            if product is None or not product.active:
                state = "unknown" if product is None else "no longer sold"
                raise UnknownProduct(f"product {sku} is {state}", field=f"items[{index}].sku")
            lines.append(PricedLine(sku, product.name, quantity, product.unit_price))
        subtotal = sum(line.line_total for line in lines)
        shipping = 0 if subtotal >= self.free_shipping_threshold else self.shipping_fee
        tax = percent_of(subtotal, self.tax_basis_points[country])
        return Quote(self.currency, tuple(lines), subtotal, tax, shipping)


# The saga only moves forward. Statuses of equal rank are alternative outcomes.
STATUS_RANK: dict[str, int] = {
    "ORDER_CREATED": 0,
    "INVOICE_CREATED": 1,
    "PAYMENT_CONFIRMED": 2,
    "PAYMENT_FAILED": 2,
    "SHIPPED": 3,
    "SHIPMENT_ERROR": 3,
}
TERMINAL_STATUSES = frozenset({"PAYMENT_FAILED", "SHIPPED", "SHIPMENT_ERROR"})


@dataclass(frozen=True)
class StatusChange:
    """What one downstream event records on the order."""

    status: str
    at: str
    event_id: str
    details: dict[str, Any]

    @property
    def rank(self) -> int:
        return STATUS_RANK[self.status]


def timeline(entries: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """The order's history, in saga order."""
    ordered = sorted(entries.items(), key=lambda kv: (STATUS_RANK[kv[0]], kv[1]["at"]))
    return [{"status": status, "at": entry["at"]} for status, entry in ordered]
