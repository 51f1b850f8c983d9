"""Cold start per entrypoint: a fresh interpreter that imports the handler and builds its
first-invocation wiring (settings, boto3 clients, Powertools objects), against a floor
that only imports boto3 and creates the same clients. No AWS call is made."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from statistics import median
from typing import Any

from services.local.emulator.provision import Stack
from services.local.settings import DUMMY_CREDENTIALS, REPO_ROOT
from services.shared.topology import Function, load_topology

# What each function runs on its first invocation (module, callable).
FIRST_INVOCATION = {
    "order-api": ("services.order.bootstrap", "api"),
    "relay": ("services.order.bootstrap", "relay"),
    "sweeper": ("services.order.bootstrap", "sweeper"),
    "order-status": ("services.order.bootstrap", "projector"),
    "invoice": ("services.invoice.bootstrap", "build"),
    "billing": ("services.billing.bootstrap", "build"),
    "shipment": ("services.shipment.bootstrap", "build"),
    "email": ("services.email.bootstrap", "build"),
}
TIMED = (
    "import json, time\nt0 = time.perf_counter()\n{body}\n"
    "print(json.dumps((time.perf_counter() - t0) * 1000))"
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clients_of(function: Function) -> list[str]:
    """The boto3 clients the function's wiring creates."""
    return [
        name
        for name, used in (
            ("dynamodb", bool(function.tables)),
            ("sns", function.publishes),
            ("ses", function.sends_email),
        )
        if used
    ]


def environment(function: Function, endpoint: str) -> dict[str, str]:
    topology = load_topology()
    dummy = Stack(
        prefix="bench",
        topic_arn="arn:aws:sns:us-east-1:123456789012:bench-order-events",
        tables={t.name: f"bench-{t.name}" for t in topology.tables},
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "PYTHON"))}
    return {
        **base,
        **DUMMY_CREDENTIALS,
        **dummy.environment(function),
        "AWS_ENDPOINT_URL": endpoint,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO_ROOT),
    }


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(process wall ms, in-process ms, stderr)"""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    wall = (time.perf_counter() - started) * 1000
    return wall, float(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else 0.0, done.stderr


def slowest_imports(module: str, env: dict[str, str], top: int = 10) -> list[dict[str, Any]]:
    """`python -X importtime`, by cumulative time; the module itself and its packages left out."""
    _, _, stderr = _run(["-X", "importtime", "-c", f"import {module}"], env)
    parts = module.split(".")
    own = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    rows: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = (p.strip() for p in line.removeprefix("import time:").split("|"))
        if name not in own:
            rows.append(
                {"module": name, "cumulative_ms": int(cumulative_us) / 1000, "self_ms": int(self_us) / 1000}
            )
    return sorted(rows, key=lambda r: r["cumulative_ms"], reverse=True)[:top]


def measure_function(function: Function, runs: int, endpoint: str) -> dict[str, Any]:
    env = environment(function, endpoint)
    module, builder = FIRST_INVOCATION[function.name]
    handler_module = function.handler.rsplit(".", 1)[0]
    handler_code = TIMED.format(body=f"import {handler_module}\nimport {module}\n{module}.{builder}()")
    floor_code = TIMED.format(
        body="import boto3\n" + "\n".join(f"boto3.client({c!r})" for c in clients_of(function))
    )
    handler, floor = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        handler.append(_run(["-c", handler_code], env)[:2])
        floor.append(_run(["-c", floor_code], env)[:2])
    handler_wall, floor_wall = median(w for w, _ in handler), median(w for w, _ in floor)
    return {
        "handler": handler_module,
        "clients": clients_of(function),
        "runs": runs,
        "process_ms": round(handler_wall, 1),
        "in_process_ms": round(median(i for _, i in handler), 1),
        "floor_process_ms": round(floor_wall, 1),
        "floor_in_process_ms": round(median(i for _, i in floor), 1),
        "ratio": round(handler_wall / floor_wall, 2),
        "slowest_imports": slowest_imports(handler_module, env),
    }


def measure_cold_starts(runs: int) -> dict[str, Any]:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    return {f.name: measure_function(f, runs, endpoint) for f in load_topology().functions}
