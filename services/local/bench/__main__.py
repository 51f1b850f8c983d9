"""`make bench`: print the table and write bench/results.json (figures only)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.local.bench import report
from services.local.bench.coldstart import measure_cold_starts
from services.local.bench.cost import cost_per_million_orders, load_prices
from services.local.bench.floor import versus_floor
from services.local.bench.goals import goals
from services.local.bench.images import measure_image_cold_starts
from services.local.bench.instrument import CallLog, running_stack
from services.local.bench.paths import TERMINAL_DEADLINE, measure_paths, place
from services.local.bench.pipeline import run_pipeline, sequential_latency
from services.local.bench.throughput import measure_handlers
from services.local.settings import REPO_ROOT

OUTPUT = REPO_ROOT / "bench" / "results.json"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.local.bench", description=__doc__)
    parser.add_argument("--orders", type=int, default=200, help="orders through the pipeline (default 200)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="orders in flight in the pipeline (default 16)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="fresh processes per cold start figure (default 5)"
    )
    parser.add_argument(
        "--path-orders", type=int, default=2, help="orders per saga ending counted (default 2)"
    )
    parser.add_argument(
        "--handler-orders",
        type=int,
        default=100,
        help="orders through the in-process handler stages (default 100)",
    )
    parser.add_argument(
        "--image-runs", type=int, default=3, help="containers per image cold start figure (default 3)"
    )
    parser.add_argument(
        "--sequential-orders", type=int, default=20, help="orders one at a time for latency (default 20)"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args(argv)


def costs(paths: dict[str, Any]) -> dict[str, Any]:
    prices = load_prices()
    return {
        name: {
            architecture: {
                "with_ses" if ses else "without_ses": {
                    k: round(float(v), 4)
                    for k, v in cost_per_million_orders(
                        figures["units"], prices, architecture=architecture, include_ses=ses
                    ).items()
                }
                for ses in (True, False)
            }
            for architecture in ("x86", "arm64")
        }
        for name, figures in paths.items()
    }


def stage(title: str) -> None:
    print(f"… {title}", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    stage(f"cold starts ({args.runs} fresh processes per function and floor)")
    cold = measure_cold_starts(args.runs)
    stage(f"image cold starts ({args.image_runs} containers per image and hello-world, when Docker is up)")
    images = measure_image_cold_starts(args.image_runs)
    stage(f"AWS requests per order ({args.path_orders} orders per ending, local stack)")
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-calls-") as directory:
        calls = CallLog(Path(directory))
        with running_stack(calls.env) as (stack, invocations):
            paths = measure_paths(stack, invocations, calls, args.path_orders)
    with running_stack() as (stack, invocations):
        invocations.wait_terminal(place(stack.api_url), TERMINAL_DEADLINE)  # warm every function
        stage(f"latency ({args.sequential_orders} orders one at a time, local stack)")
        latency = sequential_latency(stack, invocations, args.sequential_orders)
        stage(f"pipeline ({args.orders} orders, {args.concurrency} in flight, local stack)")
        pipeline = run_pipeline(stack, invocations, args.orders, args.concurrency)
    stage(f"handler throughput ({args.handler_orders} orders, in-process moto)")
    handlers = measure_handlers(args.handler_orders)
    return {
        "cold_start": cold,
        "image_cold_start": images,
        "handler_throughput": handlers,
        "paths": paths,
        "cost_per_million_orders_usd": costs(paths),
        "versus_floor": {name: versus_floor(figures, name, load_prices()) for name, figures in paths.items()},
        "latency": latency,
        "pipeline": pipeline,
    }


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    return "\n\n".join(
        [
            f"orderflow bench  {m['date']}  {m['cpu_count']} CPUs  Python {m['python']}"
            f"  total {results['total_seconds']} s",
            "1. COLD START (median of fresh `python -c` processes: import + first-invocation wiring)\n"
            + report.cold_start(results["cold_start"]),
            "1b. IMAGE COLD START (docker run → first response under awslambdaric, vs hello-world)\n"
            + report.images(results["image_cold_start"]),
            "2. HANDLER THROUGHPUT (in-process, moto mock, batches of the topology's size)\n"
            + report.handlers(results["handler_throughput"]),
            "3. AWS REQUESTS PER ORDER (local stack, one order at a time)\n"
            + report.requests(results["paths"]),
            "4. BILLABLE UNITS AND COST (prices: services/local/prices.json, us-east-1 list)\n"
            + report.units_and_costs(results["paths"], results["cost_per_million_orders_usd"]),
            "5. VERSUS THE FLOOR (services/local/bench/floor.py: the least work topology.json needs)\n"
            + report.versus_floor(results["versus_floor"]),
            "6. LATENCY AND PIPELINE (local stack over HTTP)\n"
            + report.latency(results["latency"])
            + "\n\n"
            + report.pipeline(results["pipeline"]),
            '7. GOALS (also in results.json "goals")\n' + report.goals(results["goals"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # handlers run in this process too (section 2)
    started = time.monotonic()
    figures = measure(args)
    results = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "total_seconds": round(time.monotonic() - started, 1),
        **figures,
    }
    results["goals"] = goals(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(render(results))
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
