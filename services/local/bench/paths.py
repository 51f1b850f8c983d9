"""AWS requests and billable units per order, per ending of the saga, on the local stack."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median
from typing import Any

from services.local.bench.instrument import CallLog, Invocation, Invocations
from services.local.bench.units import chunks, dynamodb_units, item_size, metered_writes
from services.local.stack import LocalStack
from services.local.tools.client import post_order
from services.local.tools.scenarios import ENDINGS, order_body
from services.shared.topology import load_topology

TERMINAL_DEADLINE = 60.0
QUIET_SECONDS = 1.2  # no new call or invocation for this long: the order's saga is over
GB = 1024**3
SES_SENDS = {"SendEmail", "SendRawEmail", "SendTemplatedEmail"}


def place(api_url: str, token: str = "tok_visa", country: str = "GB") -> str:
    """POST one order as a careful client does (tools.client.post_order), or fail."""
    status, created = post_order(
        api_url, order_body(token, country), str(uuid.uuid4()), give_up_after=TERMINAL_DEADLINE
    )
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
    """Current item sizes from the emulator (for calls recorded without their items), and the
    tables' logical names and index keys."""

    def __init__(self, stack: LocalStack) -> None:
        self._dynamodb = stack.client("dynamodb")
        self._cache: dict[str, int] = {}
        assert stack.stack is not None, "the stack is running"
        self.prefix = stack.stack.prefix
        self._logical = {physical: name for name, physical in stack.stack.tables.items()}
        self._indexes = {
            t.name: [(i.hash_key, i.range_key) for i in t.indexes] for t in stack.topology.tables
        }

    def logical(self, table: str) -> str:
        return self._logical.get(table, table)

    def indexes(self, table: str) -> list[tuple[str, str]]:
        return self._indexes.get(table, [])

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
    topology = load_topology()
    memory = {f.name: f.memory_mb for f in topology.functions}
    # The sweeper runs on a clock, not per order: its cost is a fixed one (see `scheduled`).
    clocked = {f.name for f in topology.functions if f.schedule is not None}
    clocked_calls = {f"{sizer.prefix}-{name}" for name in clocked}
    calls = [c for c in window.calls if c["function"] not in clocked_calls]
    window = Window(calls, [i for i in window.invocations if i.function not in clocked], window.log_bytes)
    consumer_batches = [i for i in window.invocations if i.record_bytes]
    esm = {
        "ReceiveMessage": len(consumer_batches),
        "DeleteMessageBatch": sum(1 for i in consumer_batches if i.ok),
        "sns_deliveries": sum(len(i.record_bytes) for i in consumer_batches),
    }
    reads = 0.0
    writes: Counter[str] = Counter()
    for call in calls:
        if call["service"] != "dynamodb":
            continue
        if "after" in call:
            function = call["function"].removeprefix(f"{sizer.prefix}-")
            writes.update(metered_writes(call, function, sizer.logical, sizer.indexes))
        else:
            reads += dynamodb_units(call["operation"], call["params"], call["response"], sizer)[1]
    delivery_chunks = sum(chunks(b) for i in consumer_batches for b in i.record_bytes)
    sqs = sum(chunks(c["bytes"]) for c in calls if c["service"] == "sqs")
    units = {
        "apigateway_requests": sum(1 for i in window.invocations if i.function == "order-api"),
        "lambda_requests": len(window.invocations),
        "lambda_gb_seconds": sum(
            math.ceil(i.duration_ms) / 1000 * memory[i.function] / 1024 for i in window.invocations
        ),
        "dynamodb_write_units": sum(v for k, v in writes.items() if k != "simulated"),
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
        # write units by what they are for; "simulated" (the payment provider's and the carrier's
        # stand-ins) is left out of the units: in production those are someone else's bill
        "write_units_by_cause": {k: round(v / orders, 3) for k, v in sorted(writes.items())},
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
