"""The printed table (results.json holds the same figures)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

UNIT_LABELS = {
    "apigateway_requests": "API Gateway REST requests",
    "lambda_requests": "Lambda invocations",
    "lambda_gb_seconds": "Lambda GB-seconds",
    "dynamodb_write_units": "DynamoDB write units",
    "dynamodb_read_units": "DynamoDB read units",
    "sns_requests": "SNS publish requests",
    "sqs_requests": "SQS requests (incl. ESM est.)",
    "ses_messages": "SES messages",
    "logs_ingested_gb": "CloudWatch Logs GB",
}
VARIANTS = (("x86", True), ("x86", False), ("arm64", True), ("arm64", False))


def variant_name(architecture: str, ses: bool) -> str:
    return f"{architecture}{'' if ses else ' no SES'}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 0.01 and value else f"{value:,.2f}"
    return str(value)


def cold_start(results: dict[str, Any]) -> str:
    rows = [
        (
            n,
            r["process_ms"],
            r["in_process_ms"],
            r["floor_process_ms"],
            r["floor_in_process_ms"],
            r["ratio"],
            "+".join(r["clients"]),
        )
        for n, r in results.items()
    ]
    out = [
        table(
            (
                "function",
                "process ms",
                "in-process ms",
                "floor process ms",
                "floor in-process ms",
                "ratio",
                "clients",
            ),
            rows,
        )
    ]
    for r in results.values():
        out.append(f"\n  ten slowest imports of {r['handler']} (cumulative ms / self ms):")
        out += [
            f"    {i['cumulative_ms']:8.1f} {i['self_ms']:7.1f}  {i['module']}" for i in r["slowest_imports"]
        ]
    return "\n".join(out)


def handlers(results: dict[str, Any]) -> str:
    rows = [
        (
            n,
            r.get("batch_size", "-"),
            r.get("records", r.get("orders")),
            r["seconds"],
            r["per_second"],
            "orders/s" if n == "order-api" else "records/s",
        )
        for n, r in results.items()
    ]
    return table(("function", "batch", "timed", "seconds", "per second", "unit"), rows)


def requests(paths: dict[str, Any]) -> str:
    names = list(paths)
    keys = sorted({k for p in paths.values() for k in p["by_operation"]})
    rows: list[list[Any]] = [[k] + [paths[n]["by_operation"].get(k, 0.0) for n in names] for k in keys]
    rows.append(["= AWS requests by functions"] + [paths[n]["aws_requests"] for n in names])
    for key in ("ReceiveMessage", "DeleteMessageBatch", "sns_deliveries"):
        rows.append(
            [f"ESM est. sqs/{key}"] + [paths[n]["event_source_mapping_sqs_estimate"][key] for n in names]
        )
    for function in sorted({f for p in paths.values() for f in p["invocations"]}):
        rows.append([f"invocations {function}"] + [paths[n]["invocations"].get(function, 0.0) for n in names])
    rows.append(["log bytes"] + [paths[n]["log_bytes"] for n in names])
    return table(["per order", *names], rows)


def units_and_costs(paths: dict[str, Any], costs: dict[str, Any]) -> str:
    names = list(paths)
    unit_rows = [[UNIT_LABELS[u]] + [paths[n]["units"][u] for n in names] for u in UNIT_LABELS]
    cost_rows = [[UNIT_LABELS[u]] + [costs[n]["x86"]["with_ses"][u] for n in names] for u in UNIT_LABELS]
    for architecture, ses in VARIANTS:
        key = "with_ses" if ses else "without_ses"
        cost_rows.append(
            [f"= TOTAL {variant_name(architecture, ses)}"]
            + [costs[n][architecture][key]["total"] for n in names]
        )
    return (
        table(["billable units per order", *names], unit_rows)
        + "\n\n"
        + table(["USD per million orders (x86 lines)", *names], cost_rows)
    )


def pipeline(p: dict[str, Any]) -> str:
    e = p["emulator"]
    rows = [
        ("orders completed / placed", f"{p['completed']} / {p['orders']} ({p['timed_out']} timed out)"),
        ("concurrency (orders in flight)", p["concurrency"]),
        ("wall seconds", p["wall_seconds"]),
        ("orders/second completed", p["orders_per_second"]),
        ("POST latency p50 / p99 ms", f"{p['post_ms']['p50']} / {p['post_ms']['p99']}"),
        (
            "POST → terminal status p50 / p99 ms",
            f"{p['to_terminal_ms']['p50']} / {p['to_terminal_ms']['p99']}",
        ),
        ("emulator CPU s / machine busy CPU s", f"{e['cpu_seconds']} / {e['machine_busy_cpu_seconds']}"),
        ("emulator share of busy CPU", f"{e['share_of_busy_cpu']:.1%}"),
        ("emulator share of machine capacity", f"{e['share_of_machine_capacity']:.1%}"),
        ("orders the sweeper nudged (goal: 0)", p.get("sweeper_nudged", "-")),
        ("relay stalls seen by the console", p.get("relay_stalls", "-")),
    ]
    operations = [
        (f"  emulator {name}", f"{f['calls']} calls, {f['cpu_ms']} CPU ms")
        for name, f in list(e.get("per_order", {}).items())[:12]
    ]
    if operations:
        rows += [("emulator per completed order, costliest first", ""), *operations]
    return table(("pipeline", "value"), rows)


def versus_floor(versus: dict[str, Any]) -> str:
    out = []
    for level in ("low", "high"):
        names = list(versus)
        units = list(next(iter(versus.values()))[level]["units"])
        rows: list[list[Any]] = []
        for unit in units:
            row: list[Any] = [UNIT_LABELS[unit]]
            for n in names:
                u = versus[n][level]["units"][unit]
                row.append(f"{_fmt(u['actual'])} / {_fmt(u['floor'])} = {_ratio(u['ratio'])}")
            rows.append(row)
        for ses in ("without_ses", "with_ses"):
            row = [f"= USD per million orders {ses.replace('_', ' ')}"]
            for n in names:
                t = versus[n][level]["total_per_million_orders"][ses]
                row.append(f"{t['actual_usd']:,.2f} / {t['floor_usd']:,.2f} = {_ratio(t['ratio'])}")
            rows.append(row)
        batches = "one message per batch" if level == "low" else "full batches"
        out.append(table([f"{level} traffic ({batches}): actual / floor", *names], rows))
    causes = sorted({c for v in versus.values() for side in v["write_units_by_cause"].values() for c in side})
    rows = [
        [cause]
        + [
            f"{_fmt(float(v['write_units_by_cause']['actual'].get(cause, 0)))} / "
            f"{_fmt(float(v['write_units_by_cause']['floor'].get(cause, 0)))}"
            for v in versus.values()
        ]
        for cause in causes
    ]
    out.append(table(["DynamoDB write units by cause: actual / floor", *versus], rows))
    return "\n\n".join(out)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def latency(figures: dict[str, Any]) -> str:
    t = figures["to_shipped_ms"]
    rows: list[tuple[str, Any]] = [
        ("orders", figures["orders"]),
        ("POST → SHIPPED p50 / p99 ms", f"{t['p50']} / {t['p99']}"),
    ]
    rows += [(f"  median {step} ms", ms) for step, ms in figures.get("breakdown_ms", {}).items()]
    return table(("sequential", "value"), rows)


def goals(rows: list[dict[str, Any]]) -> str:
    marks = {True: "met", False: "MISSED", None: "not measured"}
    return table(
        ("goal", "value", "limit", ""),
        [(g["name"], "-" if g["value"] is None else g["value"], g["limit"], marks[g["met"]]) for g in rows],
    )


def images(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"skipped: {results['skipped']}"
    rows = [
        (name, "-", "-", "-", r["skipped"])
        if "skipped" in r
        else (name, r["first_response_ms"], r["hello_world_ms"], r["ratio"], f"{r['bytes'] / 1e6:,.1f} MB")
        for name, r in results["images"].items()
    ]
    rows.append(("(base)", "-", "-", "-", f"{results['base_bytes'] / 1e6:,.1f} MB"))
    return table(("image", "first response ms", "hello-world ms", "ratio", "size"), rows)
