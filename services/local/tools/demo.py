"""`make demo`: three orders through a running stack, one per ending."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from services.local.tools.client import NoStack, load_state, request, wait_for_terminal
from services.local.tools.scenarios import ENDINGS, ending_body


def main() -> int:
    try:
        state = load_state()
    except NoStack as error:
        print(error, file=sys.stderr)
        return 1
    api, api_key = state["api_url"], state["api_key"]

    def run(name: str) -> tuple[str, dict[str, Any]]:
        status, _, created = request("POST", f"{api}/orders", ending_body(name), api_key=api_key)
        if status != 201:
            return name, {"error": created}
        return name, wait_for_terminal(api, created["order_id"], api_key=api_key)

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run, ENDINGS))
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
