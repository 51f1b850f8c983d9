"""Smoke test of a deployed stack: POST one order, poll it until it has shipped and been paid.

    python -m deploy.smoke --api-url https://…/dev --api-key KEY [--email ADDRESS]
    make smoke WORKSPACE=dev [SMOKE_ARGS="--email you@example.com"]

Exits 0 when the order ships within the deadline, 1 otherwise. CI runs it after
every apply (`make smoke`); it works against `make run` too: without --api-key it sends
the local stack's key (LOCAL_API_KEY, else the default the `make run` banner prints).
The customer's emails go to --email (default: the sample order's address). In the SES
sandbox only verified recipients get mail: any other is refused, recorded as rejected
(the order still ships) and counted in EmailsRejected.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid

from services.local.tools.client import request, wait_for_terminal
from services.local.tools.scenarios import order_body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--api-key", default=None, help="default: the local stack's key")
    parser.add_argument("--deadline", type=float, default=120)
    parser.add_argument("--email", help="the customer's address (a verified one in the SES sandbox)")
    args = parser.parse_args(argv)
    api = args.api_url.rstrip("/")

    started = time.monotonic()
    key = {"Idempotency-Key": f"smoke-{uuid.uuid4()}"}
    body = order_body()
    if args.email:
        body["customer"]["email"] = args.email
    status, _, created = request("POST", f"{api}/orders", body, key, api_key=args.api_key)
    if status != 201:
        print(f"POST /orders answered {status}: {created}", file=sys.stderr)
        return 1
    order = wait_for_terminal(api, created["order_id"], args.deadline, api_key=args.api_key)
    seconds = time.monotonic() - started
    print(f"{created['order_id']}: {order.get('status')} after {seconds:.1f}s")
    print(json.dumps(order.get("timeline", []), indent=2))
    shipped = order.get("status") == "SHIPPED" and order.get("complete") is True
    return 0 if shipped else 1


if __name__ == "__main__":
    sys.exit(main())
