"""The issue's goals, each as {name, value, limit, met} from the bench's figures."""

from __future__ import annotations

from typing import Any

COLD_START_RATIO = 1.5
COST_RATIO = 1.25
WRITE_UNITS_RATIO = 1.25
LOG_BYTES = 4096
SHIPPED_P50_MS = 500
ORDERS_PER_SECOND = 8
BENCH_SECONDS = 360


def goal(name: str, value: float | None, limit: float, *, at_least: bool = False) -> dict[str, Any]:
    met = None if value is None else (value >= limit if at_least else value <= limit)
    return {"name": name, "value": value, "limit": limit, "met": met}


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = [
        goal(f"cold start {name} / boto3 floor (process)", figures["ratio"], COLD_START_RATIO)
        for name, figures in results["cold_start"].items()
    ]
    for name, figures in (results.get("image_cold_start") or {}).get("images", {}).items():
        out.append(
            goal(f"image cold start {name} / hello-world image", figures.get("ratio"), COLD_START_RATIO)
        )
    for ending, versus in results["versus_floor"].items():
        for level in ("low", "high"):
            for ses in ("without_ses", "with_ses"):
                total = versus[level]["total_per_million_orders"][ses]
                out.append(
                    goal(
                        f"cost {ending} {level} traffic {ses.replace('_', ' ')} / floor",
                        total["ratio"],
                        COST_RATIO,
                    )
                )
    ships = results["versus_floor"]["ships"]["low"]["units"]["dynamodb_write_units"]
    out.append(goal("DynamoDB write units per shipped order / floor", ships["ratio"], WRITE_UNITS_RATIO))
    out.append(
        goal(
            "log bytes per order at INFO (worst ending)",
            max(p["log_bytes"] for p in results["paths"].values()),
            LOG_BYTES,
        )
    )
    out.append(
        goal(
            "POST → SHIPPED p50 ms (20 sequential orders)",
            results["latency"]["to_shipped_ms"]["p50"],
            SHIPPED_P50_MS,
        )
    )
    out.append(
        goal(
            f"orders/s completed at {results['pipeline']['concurrency']} in flight",
            results["pipeline"]["orders_per_second"],
            ORDERS_PER_SECOND,
            at_least=True,
        )
    )
    out.append(goal("orders the sweeper nudged in the pipeline", results["pipeline"]["sweeper_nudged"], 0))
    out.append(goal("make bench seconds", results["total_seconds"], BENCH_SECONDS))
    return out
