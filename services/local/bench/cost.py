"""Cost arithmetic: billable units per order x the committed price table (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PRICES_FILE = Path(__file__).resolve().parents[1] / "prices.json"
MILLION = Decimal(1_000_000)
ARCHITECTURES = ("x86", "arm64")
GB_SECONDS = "lambda_gb_seconds"
SES = "ses_messages"


@dataclass(frozen=True)
class Price:
    usd: Decimal
    per: Decimal
    unit: str
    source: str
    date: str


def load_prices(path: Path = PRICES_FILE) -> dict[str, Price]:
    raw = json.loads(path.read_text())["prices"]
    return {
        key: Price(Decimal(str(p["usd"])), Decimal(str(p["per"])), p["unit"], p["source"], p["date"])
        for key, p in raw.items()
    }


def _price_key(unit: str, architecture: str) -> str:
    return f"{GB_SECONDS}_{architecture}" if unit == GB_SECONDS else unit


def cost_per_million_orders(
    units_per_order: Mapping[str, float | Decimal],
    prices: Mapping[str, Price],
    *,
    architecture: str = "x86",
    include_ses: bool = True,
) -> dict[str, Decimal]:
    """USD per million orders, per billable unit and in total (key "total").

    `units_per_order` maps a unit name (a key of prices.json; "lambda_gb_seconds"
    is priced per `architecture`) to how many of it one order uses.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}")
    lines: dict[str, Decimal] = {}
    for unit, amount in units_per_order.items():
        if unit == SES and not include_ses:
            continue
        price = prices[_price_key(unit, architecture)]
        lines[unit] = Decimal(str(amount)) * MILLION * price.usd / price.per
    lines["total"] = sum(lines.values(), Decimal(0))
    return lines
