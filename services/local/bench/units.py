"""Billable units from recorded AWS calls (DynamoDB request units, 64 KB chunks)."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

KB = 1024
CHUNK = 64 * KB
WRITE_UNIT = 1 * KB
READ_UNIT = 4 * KB

# (table, key) -> the item's size in bytes now (used for UpdateItem, whose size
# after the update the request does not carry).
ItemSizer = Callable[[str, dict[str, Any]], int]


def chunks(size: int) -> int:
    """SNS and SQS bill each started 64 KB of payload as one request."""
    return max(1, math.ceil(size / CHUNK))


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """DynamoDB's published sizing rules for one typed attribute value."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        return _number_size(raw)
    if kind == "B":
        return len(base64.b64decode(raw)) if isinstance(raw, str) else len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in raw)
    if kind == "NS":
        return sum(_number_size(n) for n in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def _writes(size: int, transactional: bool = False) -> float:
    return max(1, math.ceil(size / WRITE_UNIT)) * (2 if transactional else 1)


def _reads(size: int, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return units * 2 if transactional else units if consistent else units / 2


def dynamodb_units(
    operation: str, params: dict[str, Any], response: dict[str, Any], sizer: ItemSizer
) -> tuple[float, float]:
    """(write units, read units) one DynamoDB call consumes, on-demand."""
    consistent = bool(params.get("ConsistentRead"))
    if operation == "PutItem":
        return _writes(item_size(params["Item"])), 0
    if operation in ("UpdateItem", "DeleteItem"):
        return _writes(sizer(params["TableName"], params["Key"])), 0
    if operation == "GetItem":
        return 0, _reads(item_size(response.get("Item")), consistent)
    if operation == "BatchGetItem":
        reads = 0.0
        for table, request in params["RequestItems"].items():
            found = response.get("Responses", {}).get(table, [])
            sizes = [item_size(i) for i in found] + [0] * (len(request["Keys"]) - len(found))
            reads += sum(_reads(s, bool(request.get("ConsistentRead"))) for s in sizes)
        return 0, reads
    if operation in ("Query", "Scan"):
        return 0, _reads(sum(item_size(i) for i in response.get("Items", [])), consistent)
    if operation == "TransactWriteItems":
        writes = 0.0
        for entry in params["TransactItems"]:
            ((kind, spec),) = entry.items()
            size = item_size(spec["Item"]) if kind == "Put" else sizer(spec["TableName"], spec["Key"])
            writes += _writes(size, transactional=True)
        return writes, 0
    if operation == "TransactGetItems":
        sizes = [item_size(r.get("Item")) for r in response.get("Responses", [])]
        return 0, sum(_reads(s, True, transactional=True) for s in sizes)
    return 0, 0  # control-plane calls (DescribeTable, ...) are not billed per request


# Who a write is for, by the table's logical name and the function making it.
SIMULATED = frozenset({"payment-provider", "carrier"})  # stand-ins for the provider and the carrier
CAUSE_BY_TABLE = {"request-keys": "idempotency", "notifications": "idempotency"}
CAUSE_ON_ORDERS = {"order-api": "domain", "relay": "outbox", "order-status": "projection"}


def write_cause(function: str, table: str) -> str:
    """domain | outbox | idempotency | projection | index | simulated (index: see `index_writes`)."""
    if table in SIMULATED:
        return "simulated"
    if table == "orders":
        return CAUSE_ON_ORDERS.get(function, "index")  # the sweeper only moves due entries
    return CAUSE_BY_TABLE.get(table, "domain")


def _written_units(before: dict[str, Any] | None, after: dict[str, Any] | None, failed: bool) -> int:
    """Write units of one item's write: the larger of its size before and after (AWS's rule for
    PutItem and UpdateItem; a delete is its size before); a failed condition still costs the
    existing item's size, at least one unit."""
    size = item_size(before) if failed else max(item_size(before), item_size(after))
    return max(1, math.ceil(size / WRITE_UNIT))


def index_writes(
    before: dict[str, Any] | None, after: dict[str, Any] | None, keys: list[tuple[str, str]]
) -> int:
    """Write units a KEYS_ONLY index spends: a put when the item gains an entry, a delete when it
    loses one, both when the entry's key changes, nothing otherwise."""
    units = 0
    for hash_key, range_key in keys:
        old, new = (
            (i[hash_key], i[range_key]) if i and hash_key in i and range_key in i else None
            for i in (before, after)
        )
        if old != new:
            units += (old is not None) + (new is not None)
    return units


def metered_writes(
    call: dict[str, Any],
    function: str,
    logical: Callable[[str], str],
    indexes: Callable[[str], list[tuple[str, str]]],
) -> dict[str, float]:
    """Write units one recorded write call of `function` spent, by cause ("transaction": the
    second half of a transactional write's price)."""
    failed = bool(call["error"])
    transactional = call["operation"] == "TransactWriteItems"
    spent: dict[str, float] = {}
    for before, after in zip(call["before"], call["after"], strict=True):
        table = logical(before["table"])
        cause = write_cause(function, table)
        units = _written_units(before["item"], after["item"], failed)
        spent[cause] = spent.get(cause, 0) + units
        if transactional:
            half = "simulated" if cause == "simulated" else "transaction"
            spent[half] = spent.get(half, 0) + units
        if not failed and cause != "simulated":
            moved = index_writes(before["item"], after["item"], indexes(table))
            if moved:
                spent["index"] = spent.get("index", 0) + moved
    return spent
