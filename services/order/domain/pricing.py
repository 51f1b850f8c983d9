"""Pricing rules: the catalog's prices, tax by destination, shipping, and the order cap."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from services.shared.money import format_money, percent_of

PRICING_FILE = Path(__file__).resolve().parents[1] / "pricing.json"


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


class OrderTooLarge(OrderError):
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
    max_order_total: int
    tax_basis_points: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path = PRICING_FILE) -> PricingRules:
        raw = json.loads(path.read_text())
        return cls(
            currency=raw["currency"],
            shipping_fee=int(raw["shipping_fee"]),
            free_shipping_threshold=int(raw["free_shipping_threshold"]),
            max_order_total=int(raw["max_order_total"]),
            tax_basis_points={k: int(v) for k, v in raw["tax_basis_points"].items()},
        )

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted(self.tax_basis_points))

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
        quote = Quote(self.currency, tuple(lines), subtotal, tax, shipping)
        if quote.total > self.max_order_total:
            raise OrderTooLarge(
                f"the order total {format_money(quote.total, self.currency)} is over the maximum of "
                f"{format_money(self.max_order_total, self.currency)} per order",
                field="items",
            )
        return quote
