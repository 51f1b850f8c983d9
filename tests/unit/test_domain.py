from __future__ import annotations

import pytest

from services.invoice.domain import invoice_number
from services.order.domain import (
    PricingRules,
    Product,
    UnknownProduct,
    UnsupportedCountry,
    timeline,
)
from services.shared.money import format_money, percent_of

RULES = PricingRules(
    currency="GBP",
    shipping_fee=499,
    free_shipping_threshold=5000,
    tax_basis_points={"GB": 2000, "US": 0, "IE": 2300},
)
BOOK = Product("BOOK-001", "Book", 1299, True)
OLD = Product("OLD-001", "Old", 100, False)


def test_quote_adds_tax_and_shipping_in_minor_units() -> None:
    quote = RULES.quote([("BOOK-001", 2)], {"BOOK-001": BOOK}, "GB")
    assert (quote.subtotal, quote.tax, quote.shipping, quote.total) == (2598, 520, 499, 3617)


@pytest.mark.parametrize(("quantity", "shipping"), [(3, 499), (4, 0)])
def test_free_shipping_starts_at_the_threshold(quantity: int, shipping: int) -> None:
    product = Product("P", "p", 1250, True)  # 3 -> 37.50, 4 -> 50.00 exactly
    assert RULES.quote([("P", quantity)], {"P": product}, "US").shipping == shipping


def test_tax_rounds_half_up() -> None:
    assert percent_of(1, 5000) == 1  # 0.5 -> 1
    assert percent_of(2, 2300) == 0  # 0.46 -> 0
    assert percent_of(1087, 2300) == 250  # 250.01 -> 250


def test_unsupported_country_names_the_field() -> None:
    with pytest.raises(UnsupportedCountry) as caught:
        RULES.quote([("BOOK-001", 1)], {"BOOK-001": BOOK}, "FR")
    assert caught.value.field == "shipping_address.country"


@pytest.mark.parametrize("sku", ["NOPE", "OLD-001"])
def test_unknown_or_inactive_product_names_the_line(sku: str) -> None:
    with pytest.raises(UnknownProduct) as caught:
        RULES.quote([("BOOK-001", 1), (sku, 1)], {"BOOK-001": BOOK, "OLD-001": OLD}, "GB")
    assert caught.value.field == "items[1].sku"


def test_pricing_file_is_consistent() -> None:
    rules = PricingRules.from_file()
    assert len(rules.currency) == 3
    assert rules.currency.isupper()
    assert all(len(c) == 2 and 0 <= bp < 10_000 for c, bp in rules.tax_basis_points.items())


def test_invoice_numbers() -> None:
    assert invoice_number(1) == "INV-000001"
    assert invoice_number(1234567) == "INV-1234567"
    with pytest.raises(ValueError):
        invoice_number(0)


def test_money_formatting_respects_exponents() -> None:
    assert format_money(123456, "GBP") == "GBP 1,234.56"
    assert format_money(5, "EUR") == "EUR 0.05"
    assert format_money(1500, "JPY") == "JPY 1,500"
    assert format_money(1234, "KWD") == "KWD 1.234"


def test_timeline_is_in_saga_order() -> None:
    entries = {
        "SHIPPED": {"at": "2026-01-01T00:00:03"},
        "ORDER_CREATED": {"at": "2026-01-01T00:00:00"},
        "PAYMENT_CONFIRMED": {"at": "2026-01-01T00:00:02"},
        "INVOICE_CREATED": {"at": "2026-01-01T00:00:05"},  # arrived late
    }
    assert [e["status"] for e in timeline(entries)] == [
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPPED",
    ]
