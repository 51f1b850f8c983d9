"""Orders through the local stack over HTTP at a fixed concurrency (closed loop)."""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from statistics import median
from typing import Any

from services.local.bench.instrument import EmulatorMeter, Invocations
from services.local.bench.paths import TERMINAL_DEADLINE, place
from services.local.stack import LocalStack


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def run_pipeline(
    stack: LocalStack, invocations: Invocations, orders: int, concurrency: int
) -> dict[str, Any]:
    """Each of `concurrency` workers places an order and waits for its terminal status, then the next."""
    tickets = itertools.count()
    lock = threading.Lock()
    post_s: list[float] = []
    terminal_s: list[float] = []
    timeouts = 0

    def worker() -> None:
        nonlocal timeouts
        while next(tickets) < orders:
            started = time.monotonic()
            order_id = place(stack.api_url)
            posted = time.monotonic()
            finished = invocations.wait_terminal(order_id, TERMINAL_DEADLINE)
            with lock:
                post_s.append(posted - started)
                if finished is None:
                    timeouts += 1
                else:
                    terminal_s.append(finished - started)

    assert stack.emulator is not None
    assert stack.emulator.pid is not None
    meter = EmulatorMeter(stack.emulator.pid, stack.options.emulator_meter)
    nudged_before, stalls_before = set(stack.watch.sweeps.nudged), stack.watch.relay.stalls
    with meter.measuring():
        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
        wall = time.monotonic() - started
    return {
        "orders": orders,
        "concurrency": concurrency,
        "completed": len(terminal_s),
        "timed_out": timeouts,
        "wall_seconds": round(wall, 2),
        "orders_per_second": round(len(terminal_s) / wall, 2),
        "post_ms": {
            "p50": round(percentile(post_s, 50) * 1000, 1),
            "p99": round(percentile(post_s, 99) * 1000, 1),
        },
        "to_terminal_ms": {
            "p50": round(percentile(terminal_s, 50) * 1000, 1),
            "p99": round(percentile(terminal_s, 99) * 1000, 1),
        },
        # the sweeper is a safety net: without faults every order moves through the relay
        "sweeper_nudged": len(stack.watch.sweeps.nudged - nudged_before),
        "relay_stalls": stack.watch.relay.stalls - stalls_before,
        "emulator": {
            "cpu_seconds": round(meter.cpu_seconds, 2),
            "machine_busy_cpu_seconds": round(meter.machine_busy_seconds, 2),
            "share_of_busy_cpu": round(meter.cpu_seconds / max(meter.machine_busy_seconds, 1e-9), 3),
            "share_of_machine_capacity": round(meter.cpu_seconds / (wall * (os.cpu_count() or 1)), 3),
            # where the emulator's time went: each operation's calls and CPU ms per completed order
            "per_order": per_order(meter.operations, len(terminal_s)),
        },
    }


def per_order(operations: dict[str, dict[str, float]], orders: int) -> dict[str, dict[str, float]]:
    """Each emulator operation's calls and CPU milliseconds per order, costliest first."""
    ranked = sorted(operations.items(), key=lambda item: -item[1]["cpu_seconds"])
    return {
        name: {
            "calls": round(figures["calls"] / max(orders, 1), 2),
            "cpu_ms": round(figures["cpu_seconds"] * 1000 / max(orders, 1), 2),
        }
        for name, figures in ranked
        if figures["calls"]
    }


def sequential_latency(stack: LocalStack, invocations: Invocations, orders: int) -> dict[str, Any]:
    """POST → SHIPPED recorded, one order at a time (each left to finish before the next)."""
    shipped_s: list[float] = []
    breakdowns: list[dict[str, float]] = []
    for _ in range(orders):
        started = time.monotonic()
        order_id = place(stack.api_url)
        shipped = invocations.wait_status(order_id, "SHIPPED", TERMINAL_DEADLINE)
        if shipped is None:
            raise RuntimeError(f"order {order_id} did not reach SHIPPED in {TERMINAL_DEADLINE} s")
        shipped_s.append(shipped - started)
        breakdowns.append(critical_path(invocations.hops.get(order_id, []), started, shipped))
        invocations.wait_terminal(order_id, TERMINAL_DEADLINE)  # its capture too, before the next
    return {
        "orders": orders,
        # medians per step of POST → SHIPPED: each handler's own time, and the wait before it
        # (the HTTP hop, the stream or queue poll, SNS's fan-out, the Runtime API hand-over)
        "breakdown_ms": {
            step: round(median(b[step] for b in breakdowns if step in b), 1)
            for step in dict.fromkeys(k for b in breakdowns for k in b)
        },
        "to_shipped_ms": {
            "p50": round(percentile(shipped_s, 50) * 1000, 1),
            "p99": round(percentile(shipped_s, 99) * 1000, 1),
        },
    }


# POST → SHIPPED, hop by hop: who handles the order next, on which status.
PATH_TO_SHIPPED = (
    ("order-api", "POST"),
    ("relay", "ORDER_CREATED"),
    ("invoice", "ORDER_CREATED"),
    ("billing", "INVOICE_CREATED"),
    ("shipment", "PAYMENT_CONFIRMED"),
    ("order-status", "SHIPPED"),
)


def critical_path(
    hops: list[tuple[str, str, float, float]], started: float, shipped: float
) -> dict[str, float]:
    """Milliseconds of each handler on the path and of the wait before it, from the invocations
    that handled the order (function, status, finished at, duration)."""
    out: dict[str, float] = {}
    previous = started
    for function, status in PATH_TO_SHIPPED:
        found = [
            (end, ms) for f, s, end, ms in hops if f == function and s == status and end <= shipped + 0.001
        ]
        if not found:
            return out
        end, ms = min(found)
        began = end - ms / 1000
        out[f"wait before {function}"] = max(0.0, (began - previous) * 1000)
        out[f"{function} handler"] = ms
        previous = end
    return out
