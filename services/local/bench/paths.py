"""AWS requests and billable units per order, per ending of the saga, on the local stack."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any

from services.local.bench.instrument import CallLog, Invocation, Invocations
from services.local.bench.units import chunks, dynamodb_units, item_size
from services.local.stack import LocalStack
from services.local.tools.client import request
from services.local.tools.scenarios import ENDINGS, order_body
from services.shared.topology import load_topology

TERMINAL_DEADLINE = 60.0
QUIET_SECONDS = 1.2  # no new call or invocation for this long: the order's saga is over
GB = 1024**3
SES_SENDS = {"SendEmail", "SendRawEmail", "SendTemplatedEmail"}


def place(api_url: str, token: str = "tok_visa", country: str = "GB") -> str:
    status, _, created = request("POST", f"{api_url}/orders", order_body(token, country))
    if status != 201:
        raise RuntimeError(f"POST /orders answered {status}: {created}")
    return str(created["order_id"])


@dataclass(frozen=True)
class Window:
    """Everything the stack did between two marks."""

    calls: list[dict[str, Any]]
    invocations: list[Invocation]
    log_bytes: int


class Recording:
    def __init__(self, stack: LocalStack, invocations: Invocations, calls: CallLog) -> None:
        self.stack, self.invocations, self.calls = stack, invocations, calls

    def _marks(self) -> tuple[int, int, int]:
        logs = sum(p.stat().st_size for p in self.stack.logs_dir.glob("*.log"))
        return self.calls.offset(), len(self.invocations.log), logs

    def settle(self) -> None:
        last, quiet_since, give_up = self._marks(), time.monotonic(), time.monotonic() + 15
        while time.monotonic() - quiet_since < QUIET_SECONDS and time.monotonic() < give_up:
            time.sleep(0.1)
            now = self._marks()
            if now[:2] != last[:2]:
                last, quiet_since = now, time.monotonic()

    def run(self, token: str, country: str, orders: int) -> Window:
        """`orders` orders one after the other, each left to finish (batches of one message)."""
        start = self._marks()
        for _ in range(orders):
            order_id = place(self.stack.api_url, token, country)
            if self.invocations.wait_terminal(order_id, TERMINAL_DEADLINE) is None:
                raise RuntimeError(f"order {order_id} ({token}, {country}) did not finish")
            self.settle()
        end = self._marks()
        return Window(self.calls.since(start[0]), self.invocations.log[start[1] : end[1]], end[2] - start[2])


class ItemSizes:
    """Current item sizes from the emulator, for UpdateItem/DeleteItem units."""

    def __init__(self, stack: LocalStack) -> None:
        self._dynamodb = stack.client("dynamodb")
        self._cache: dict[str, int] = {}

    def __call__(self, table: str, key: dict[str, Any]) -> int:
        cache_key = json.dumps([table, key], sort_keys=True)
        if cache_key not in self._cache:
            item = self._dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            self._cache[cache_key] = item_size(item)
        return self._cache[cache_key]


def _count(rows: Iterable[tuple[str, ...]], orders: int) -> dict[str, float]:
    return {"/".join(k): round(v / orders, 3) for k, v in sorted(Counter(rows).items())}


def figures(window: Window, orders: int, sizer: ItemSizes) -> dict[str, Any]:
    """Per order: requests by function/service/operation, the SQS side Lambda adds, billable units."""
    memory = {f.name: f.memory_mb for f in load_topology().functions}
    calls = window.calls
    consumer_batches = [i for i in window.invocations if i.record_bytes]
    esm = {
        "ReceiveMessage": len(consumer_batches),
        "DeleteMessageBatch": sum(1 for i in consumer_batches if i.ok),
        "sns_deliveries": sum(len(i.record_bytes) for i in consumer_batches),
    }
    writes = reads = 0.0
    for call in calls:
        if call["service"] == "dynamodb":
            w, r = dynamodb_units(call["operation"], call["params"], call["response"], sizer)
            writes, reads = writes + w, reads + r
    delivery_chunks = sum(chunks(b) for i in consumer_batches for b in i.record_bytes)
    sqs = sum(chunks(c["bytes"]) for c in calls if c["service"] == "sqs")
    units = {
        "apigateway_requests": sum(1 for i in window.invocations if i.function == "order-api"),
        "lambda_requests": len(window.invocations),
        "lambda_gb_seconds": sum(
            math.ceil(i.duration_ms) / 1000 * memory[i.function] / 1024 for i in window.invocations
        ),
        "dynamodb_write_units": writes,
        "dynamodb_read_units": reads,
        "sns_requests": sum(
            chunks(c["bytes"]) for c in calls if c["service"] == "sns" and c["operation"] == "Publish"
        ),
        "sqs_requests": sqs + esm["ReceiveMessage"] + esm["DeleteMessageBatch"] + delivery_chunks,
        "ses_messages": sum(1 for c in calls if c["service"] == "ses" and c["operation"] in SES_SENDS),
        "logs_ingested_gb": window.log_bytes / GB,
    }
    return {
        "orders": orders,
        "aws_requests": round(len(calls) / orders, 3),
        "by_service": _count(((c["service"],) for c in calls), orders),
        "by_operation": _count(((c["service"], c["operation"]) for c in calls), orders),
        "by_function": _count(((c["function"], c["service"], c["operation"]) for c in calls), orders),
        "errors": _count(((c["service"], c["operation"], c["error"]) for c in calls if c["error"]), orders),
        "event_source_mapping_sqs_estimate": {k: round(v / orders, 3) for k, v in esm.items()},
        "invocations": _count(((i.function,) for i in window.invocations), orders),
        "handler_ms_median": _median_durations(window.invocations),
        "log_bytes": round(window.log_bytes / orders),
        "units": {k: v / orders for k, v in units.items()},
    }


def _median_durations(invocations: list[Invocation]) -> dict[str, float]:
    by_function: dict[str, list[float]] = {}
    for i in invocations:
        by_function.setdefault(i.function, []).append(i.duration_ms)
    return {k: round(median(v), 1) for k, v in sorted(by_function.items())}


def measure_paths(stack: LocalStack, invocations: Invocations, calls: CallLog, orders: int) -> dict[str, Any]:
    recording = Recording(stack, invocations, calls)
    recording.run("tok_visa", "GB", 1)  # warm-up: first invocations, the invoice counter
    sizer = ItemSizes(stack)
    return {
        name.replace(" ", "_"): figures(recording.run(token, country, orders), orders, sizer)
        for name, (token, country) in ENDINGS.items()
    }
