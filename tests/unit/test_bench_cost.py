"""The bench's cost arithmetic on a case small enough to do by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.local.bench.cost import Price, cost_per_million_orders, load_prices


def price(usd: str, per: int) -> Price:
    return Price(Decimal(usd), Decimal(per), "unit", "https://example.com", "2026-11-26")


PRICES = {
    "lambda_requests": price("0.20", 1_000_000),
    "lambda_gb_seconds_x86": price("0.0000166667", 1),
    "lambda_gb_seconds_arm64": price("0.0000133334", 1),
    "ses_messages": price("0.10", 1_000),
}
# One order: 2 invocations, 0.5 GB-s, 3 emails.
UNITS = {"lambda_requests": 2, "lambda_gb_seconds": 0.5, "ses_messages": 3}


def test_x86_with_ses() -> None:
    cost = cost_per_million_orders(UNITS, PRICES, architecture="x86", include_ses=True)
    # requests: 2 x 1,000,000 orders x $0.20 / 1,000,000      = $0.40
    # duration: 0.5 x 1,000,000 x $0.0000166667 per GB-s      = $8.33335
    # emails:   3 x 1,000,000 x $0.10 / 1,000                 = $300
    # total:    0.40 + 8.33335 + 300                          = $308.73335
    assert cost == {
        "lambda_requests": Decimal("0.40"),
        "lambda_gb_seconds": Decimal("8.33335"),
        "ses_messages": Decimal("300"),
        "total": Decimal("308.73335"),
    }


def test_arm64_without_ses() -> None:
    cost = cost_per_million_orders(UNITS, PRICES, architecture="arm64", include_ses=False)
    # duration: 0.5 x 1,000,000 x $0.0000133334 = $6.6667; plus $0.40 of requests = $7.0667; no SES line
    assert cost == {
        "lambda_requests": Decimal("0.40"),
        "lambda_gb_seconds": Decimal("6.6667"),
        "total": Decimal("7.0667"),
    }


def test_unknown_architecture_is_refused() -> None:
    with pytest.raises(ValueError):
        cost_per_million_orders(UNITS, PRICES, architecture="mips")


def test_committed_price_table_names_a_source_and_date_for_every_price() -> None:
    for key, entry in load_prices().items():
        assert entry.source.startswith("https://aws.amazon.com/"), key
        assert entry.date, key
        assert entry.usd > 0, key
