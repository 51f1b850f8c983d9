"""The sample order, and the three endings of the saga it can be steered to.

The one place the sample body lives (sample-order.json beside this file): the demo, the bench,
the smoke test, the chaos runner and the e2e tests all build their orders here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SAMPLE_FILE = Path(__file__).resolve().parent / "sample-order.json"
SAMPLE: dict[str, Any] = json.loads(SAMPLE_FILE.read_text())

# ending -> (payment token, destination country)
ENDINGS: dict[str, tuple[str, str]] = {
    "ships": ("tok_visa", "GB"),
    "payment declined": ("tok_chargeDeclined", "GB"),
    "destination refused": ("tok_visa", "AU"),
}


def order_body(token: str = "tok_visa", country: str = "GB", **changes: Any) -> dict[str, Any]:
    """The sample order paid with `token` and shipped to `country`; `changes` replace top-level keys."""
    body = copy.deepcopy(SAMPLE)
    body["payment"] = {"token": token}
    body["shipping_address"]["country"] = country
    body.update(changes)
    return body


def ending_body(ending: str) -> dict[str, Any]:
    token, country = ENDINGS[ending]
    return order_body(token, country)
