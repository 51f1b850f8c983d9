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
