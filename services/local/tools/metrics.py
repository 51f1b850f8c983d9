"""`orders metrics`: the business metrics the functions emitted, read back from their logs.

In AWS, CloudWatch turns each embedded-metric-format line a function writes into metrics (the
dashboard and the alarms read them). Locally the same lines land in .local/logs/<function>.log;
this sums them per metric (counts) or gives their p50/p99 (durations).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from services.shared.observability import business_metrics


@dataclass
class Metric:
    unit: str
    values: list[float] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)

    def summary(self) -> str:
        if self.unit == "Count":
            return f"{sum(self.values):g}"
        ordered = sorted(self.values)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return f"p50 {p50:.1f}, p99 {p99:.1f} {self.unit.lower()} (n={len(ordered)})"


def emf_lines(lines: Iterable[str]) -> Iterator[dict]:
    for line in lines:
        if '"_aws"' not in line:
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "CloudWatchMetrics" in document.get("_aws", {}):
            yield document


def collect(logs_dir: Path) -> dict[str, Metric]:
    """Every metric in every function's log: name -> unit, values and the functions that emitted it."""
    found: dict[str, Metric] = {}
    for log in sorted(logs_dir.glob("*.log")):
        with log.open(encoding="utf-8", errors="replace") as lines:
            for document in emf_lines(lines):
                for directive in document["_aws"]["CloudWatchMetrics"]:
                    for definition in directive.get("Metrics", []):
                        name = definition["Name"]
                        value = document.get(name)
                        metric = found.setdefault(name, Metric(definition.get("Unit", "None")))
                        values = value if isinstance(value, list) else [] if value is None else [value]
                        metric.values.extend(float(v) for v in values)
                        metric.functions.add(log.stem)
    return found


def report(logs_dir: Path) -> list[str]:
    found = collect(logs_dir)
    lines = [f"business metrics in {logs_dir}/*.log (what CloudWatch would count):"]
    known = business_metrics()
    for name in (*known, *sorted(set(found) - set(known))):
        metric = found.get(name)
        shown = metric.summary() if metric else "0"
        source = f"  ({', '.join(sorted(metric.functions))})" if metric else ""
        lines.append(f"  {name:<24} {shown}{source}")
    return lines
