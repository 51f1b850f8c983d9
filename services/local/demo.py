"""`make demo`: three orders through a running stack, one per ending."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.local.client import NoStack, load_state, request, wait_for_terminal

ORDER = json.loads((Path(__file__).resolve().parents[2] / "tests" / "e2e" / "order.json").read_text())

SCENARIOS = {
    "ships": ("tok_visa", "GB"),
    "payment declined": ("tok_chargeDeclined", "GB"),
    "destination refused": ("tok_visa", "AU"),
}


def main() -> int:
    try:
        state = load_state()
    except NoStack as error:
        print(error, file=sys.stderr)
        return 1
    api = state["api_url"]

    def run(name: str) -> tuple[str, dict]:
        token, country = SCENARIOS[name]
        body = {
            **ORDER,
            "payment": {"token": token},
            "shipping_address": {**ORDER["shipping_address"], "country": country},
        }
        status, _, created = request("POST", f"{api}/orders", body)
        if status != 201:
            return name, {"error": created}
        return name, wait_for_terminal(api, created["order_id"])

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run, SCENARIOS))
    for name, order in results:
        print(f"\n{name}: {order.get('order_id')} ends {order.get('status')}")
        for entry in order.get("timeline", []):
            print(f"  {entry['at']}  {entry['status']}")
        for key in ("invoice_number", "payment_reference", "tracking_number", "failure_reason"):
            if order.get(key):
                print(f"  {key}: {order[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
