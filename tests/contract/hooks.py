"""Schemathesis hooks for the contract fuzzer (loaded by the `st` process, see fuzz.py)."""

from __future__ import annotations

import re
from typing import Any

import schemathesis

# The only fields a schema-valid order may be refused on: their validity depends on the catalog,
# which changes while the API runs (a SKU it does not hold or no longer sells; prices, hence the
# total over the maximum per order). The document's 422 for POST /orders says so.
RUNTIME_RULES = re.compile(r"items(\[\d+\]\.sku)?")


@schemathesis.check
def schema_valid_orders_are_refused_only_for_runtime_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """POST /orders may answer 422 to a schema-valid order (positive_data_acceptance allows it for
    that operation only), but then only naming `items[i].sku` or `items`: a 422 on any other field
    means the schema allows what the API refuses."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if (case.method.upper(), case.path) != ("POST", "/orders") or response.status_code != 422:
        return None
    fields = sorted({error["field"] for error in response.json().get("errors", [])})
    if not fields or not all(RUNTIME_RULES.fullmatch(field) for field in fields):
        raise AssertionError(
            f"A schema-valid order was refused on {fields or 'no field'}: only the catalog's rules "
            "(items[i].sku, items) may refuse one; the schema should carry any other constraint"
        )
    return None
