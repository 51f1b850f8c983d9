"""Domain rules: pricing, money, invoice numbers, and the order's saga."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.invoice.domain import invoice_number, series_of
from services.order.domain.order import (
    Deadlines,
    Order,
    PaymentState,
    Progress,
    epoch,
)
from services.order.domain.pricing import (
    OrderTooLarge,
    PricedLine,
    PricingRules,
    Product,
    Quote,
    UnknownProduct,
    UnsupportedCountry,
)
from services.shared.events import Address, Customer
from services.shared.money import format_money, percent_of
from tests.unit.sagas import STEPS, at

RULES = PricingRules(
    currency="GBP",
    shipping_fee=499,
    free_shipping_threshold=5000,
    max_order_total=100_000,
    tax_basis_points={"GB": 2000, "US": 0, "IE": 2300},
)
BOOK = Product("BOOK-001", "Book", 1299, True)
OLD = Product("OLD-001", "Old", 100, False)
DEADLINES = Deadlines({"ORDER_CREATED": 60, "INVOICE_CREATED": 60, "PAYMENT_CONFIRMED": 120, "SHIPPED": 90})


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


def test_an_order_over_the_maximum_total_is_refused() -> None:
    lamp = Product("LAMP-001", "Lamp", 8900, True)
    assert RULES.quote([("LAMP-001", 9)], {"LAMP-001": lamp}, "US").total == 80_100
    with pytest.raises(OrderTooLarge) as caught:
        RULES.quote([("LAMP-001", 12)], {"LAMP-001": lamp}, "US")  # 1,068.00 > 1,000.00
    assert caught.value.field == "items"
    assert "GBP 1,000.00" in caught.value.message


def test_pricing_file_is_consistent() -> None:
    rules = PricingRules.from_file()
    assert len(rules.currency) == 3
    assert rules.currency.isupper()
    assert all(len(c) == 2 and 0 <= bp < 10_000 for c, bp in rules.tax_basis_points.items())
    assert rules.max_order_total > rules.free_shipping_threshold


def test_invoice_numbers() -> None:
    assert invoice_number(2026, "A", 1) == "INV-2026-A-000001"
    assert invoice_number(2027, "C", 1234567) == "INV-2027-C-1234567"
    with pytest.raises(ValueError):
        invoice_number(2026, "A", 0)


def test_an_orders_series_is_stable_and_the_series_are_used_evenly() -> None:
    ids = [f"ord_{n:032x}" for n in range(4000)]
    assert [series_of(i, 4) for i in ids] == [series_of(i, 4) for i in ids]
    counts = {s: sum(series_of(i, 4) == s for i in ids) for s in "ABCD"}
    assert all(800 < c < 1200 for c in counts.values()), counts
    assert {series_of(i, 1) for i in ids} == {"A"}
    with pytest.raises(ValueError):
        series_of(ids[0], 27)


def test_money_formatting_respects_exponents() -> None:
    assert format_money(123456, "GBP") == "GBP 1,234.56"
    assert format_money(5, "EUR") == "EUR 0.05"
    assert format_money(1500, "JPY") == "JPY 1,500"
    assert format_money(1234, "KWD") == "KWD 1.234"


# -- the saga ------------------------------------------------------------------------------

T0 = "2026-11-26T10:00:00+00:00"


def placed() -> Order:
    quote = Quote("GBP", (PricedLine("BOOK-001", "Book", 2, 1299),), 2598, 520, 499)
    return Order.place(
        order_id="ord_test",
        quote=quote,
        customer=Customer(id="c", email="ada@example.com", name="Ada"),
        shipping_address=Address(name="Ada", line1="1 St", city="London", postal_code="N1", country="GB"),
        payment_token="tok_visa",
        correlation_id="corr",
        at=T0,
        deadlines=DEADLINES,
    )


def walk(order: Order, *statuses: str) -> Order:
    for minute, status in enumerate(statuses, start=1):
        moved = order.record(Progress(status, at(minute), STEPS[status]), DEADLINES)
        assert moved is not None, status
        order = moved
    return order


def test_a_new_order_holds_its_event_in_the_outbox_and_is_due() -> None:
    order = placed()
    assert order.outbox == "ORDER_CREATED"
    assert order.due_at == epoch(T0) + 60
    assert not order.complete


def test_shipped_and_captured_is_complete_and_nothing_is_due() -> None:
    order = walk(placed(), "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED")
    assert not order.complete  # the money is still only held
    assert order.due_at == epoch(at(3)) + 90
    order = walk(order, "PAYMENT_CAPTURED")
    assert order.complete
    assert order.due_at is None
    assert order.payment is not None
    assert (order.payment.state, order.payment.captured_amount) == (PaymentState.CAPTURED, 3617)
    assert order.payment.reference == "auth_1"


def test_a_refused_shipment_is_complete_only_once_the_hold_is_released() -> None:
    order = walk(placed(), "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPMENT_ERROR")
    assert not order.complete
    order = walk(order, "PAYMENT_VOIDED")
    assert order.complete
    assert order.payment is not None
    assert order.payment.captured_amount == 0


def test_a_declined_payment_ends_the_saga() -> None:
    order = walk(placed(), "INVOICE_CREATED", "PAYMENT_FAILED")
    assert order.complete
    assert order.payment is not None
    assert order.payment.state is PaymentState.FAILED
    assert order.details["failure_reason"] == "card_declined"


def test_the_payment_token_is_dropped_once_the_payment_is_decided() -> None:
    order = walk(placed(), "INVOICE_CREATED")
    assert order.payment_token == "tok_visa"
    assert walk(order, "PAYMENT_CONFIRMED").payment_token is None


def test_status_only_moves_forward_and_duplicates_change_nothing() -> None:
    order = walk(placed(), "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED")
    assert order.record(Progress("INVOICE_CREATED", at(9), STEPS["INVOICE_CREATED"]), DEADLINES) is None
    # an alternative outcome of a step that already has one is ignored
    assert order.record(Progress("SHIPMENT_ERROR", at(9), STEPS["SHIPMENT_ERROR"]), DEADLINES) is None
    assert order.status == "SHIPPED"


def test_events_arriving_out_of_order_reach_the_same_end() -> None:
    in_order = walk(placed(), "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURED")
    shuffled = walk(placed(), "PAYMENT_CAPTURED", "SHIPPED", "INVOICE_CREATED", "PAYMENT_CONFIRMED")
    assert shuffled.status == in_order.status == "SHIPPED"
    assert shuffled.payment == in_order.payment
    assert shuffled.complete
    assert [s for s, _ in shuffled.history()] == [s for s, _ in in_order.history()]


def test_a_failed_capture_flags_the_order_with_the_reason() -> None:
    order = walk(placed(), "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURE_FAILED")
    assert not order.complete
    assert order.attention is not None
    assert "authorization_expired" in order.attention.reason
    assert order.due_at is None


def test_each_stage_gets_its_own_deadline_from_the_event_that_began_it() -> None:
    order = walk(placed(), "INVOICE_CREATED")
    assert order.due_at == epoch(at(1)) + 60
    order = walk(order, "PAYMENT_CONFIRMED")  # at minute 1 of its own walk
    assert order.due_at == epoch(at(1)) + 120


def test_a_nudged_order_that_moves_on_is_no_longer_nudged_or_flagged() -> None:
    order = placed().nudge(epoch(at(2)), DEADLINES)
    assert order.nudged == "ORDER_CREATED"
    assert order.due_at == epoch(at(2)) + 60
    flagged = order.flag("stuck", at(4))
    assert flagged.attention is not None
    assert flagged.due_at is None
    moved = walk(flagged, "INVOICE_CREATED")
    assert (moved.attention, moved.nudged) == (None, None)
    assert moved.due_at is not None


def test_overdue_is_due_at_or_before_now() -> None:
    order = replace(placed(), due_at=100)
    assert order.overdue(100)
    assert not order.overdue(99)
    assert not replace(order, due_at=None).overdue(10**12)
