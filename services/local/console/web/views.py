"""What the web console shows, read from the emulator's state only: the orders table, the dead-
letter queues, the emails the emulated SES sent and the functions' log files. Every value goes
out as JSON for the page to put in the DOM as text; nothing here is HTML.

No secrets leave: orders are shown through the API's own view (no payment token, no customer),
queued messages are redacted (tokens masked, addresses as `mask_email` writes them)."""

from __future__ import annotations

import email
import json
import re
import time
from datetime import datetime
from email import policy
from pathlib import Path
from typing import Any

from services.local.tools import orders as ops
from services.local.watch import Watches
from services.order.queries import Order, order_of_item, order_view
from services.shared import dynamo
from services.shared.events import Status
from services.shared.money import format_money
from services.shared.observability import mask_email
from services.shared.references import short_reference

FAILED = frozenset({Status.PAYMENT_FAILED, Status.SHIPMENT_ERROR})
SECRET_KEY = re.compile(r"token|secret|password|api[_-]?key|authorization", re.IGNORECASE)
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MAX_LOG_LINES = 200


def redact(value: Any) -> Any:
    """`value` with every secret-looking field masked and every e-mail address shortened."""
    if isinstance(value, dict):
        return {k: "•••" if SECRET_KEY.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return EMAIL_ADDRESS.sub(lambda found: mask_email(found.group(0)), value)
    return value


def _age_seconds(at: str, now: float) -> int:
    return max(0, int(now - datetime.fromisoformat(at).timestamp()))


def _row(order: Order, now: float) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "short": short_reference(order.order_id),
        "status": order.status,
        "payment": order.payment.state.value if order.payment else None,
        "total": format_money(order.quote.total, order.quote.currency),
        "age_seconds": _age_seconds(order.created_at, now),
        "complete": order.complete,
        "attention": order.attention.reason if order.attention else None,
    }


def _message(message: ops.Parked) -> dict[str, Any]:
    try:
        body: Any = json.loads(message.body)
    except ValueError:
        body = message.body
    return {
        "message_id": message.message_id,
        "status": message.status,
        "order_id": message.order_id,
        "short": short_reference(message.order_id) if message.order_id else None,
        "body": redact(body),
    }


def summary(state: dict[str, Any], dynamodb: Any, sqs: Any, limit: int = 100) -> dict[str, Any]:
    """Everything the console's main view shows, newest orders first."""
    table = state["tables"]["orders"]
    now = time.time()
    found = ops.orders(dynamodb, table, limit=10_000)
    queues: list[dict[str, Any]] = []
    waiting = 0
    for name, url in sorted(ops.parked_queues(state).items()):
        messages = ops.peek(sqs, name, url)
        waiting += len(messages)
        queues.append(
            {
                "name": name,
                "redrive": name in state.get("dlq_urls", {}),
                "messages": [_message(m) for m in messages],
            }
        )
    stuck = [o for o in found if o.attention is not None]
    counts = {
        "placed": len(found),
        "shipped": sum(o.status == Status.SHIPPED for o in found),
        "failed": sum(o.status in FAILED for o in found),
        "in_flight": sum(not o.complete and o.attention is None for o in found),
        "stuck": len(stuck),
        "in_dlqs": waiting,
    }
    return {
        "counts": counts,
        "orders": [_row(o, now) for o in found[:limit]],
        "stuck": [_row(o, now) for o in stuck],
        "queues": queues,
    }


def with_watch(document: dict[str, Any], watch: Watches | None) -> dict[str, Any]:
    """The summary with what only the running stack knows: each order's records that are being
    retried (function, attempt, one-line reason), and whether the relay has stopped reading."""
    retries = watch.retries.by_order() if watch else {}
    for row in document["orders"]:
        row["retrying"] = [
            {"function": r.function, "attempt": r.attempt, "reason": redact(r.reason)}
            for r in retries.get(row["order_id"], [])
        ]
    document["relay"] = watch.relay.status() if watch else None
    document["nudged"] = len(watch.sweeps.nudged) if watch else 0
    return document


def detail(
    state: dict[str, Any], dynamodb: Any, reference: str, emails_dir: Path, logs_dir: Path
) -> dict[str, Any]:
    """One order: the API's view of it, its emails and its functions' log lines.
    Raises ops.Unknown when no order matches `reference`."""
    table = state["tables"]["orders"]
    order_id = ops.resolve(dynamodb, table, reference)
    item = dynamo.get(dynamodb, table, {"order_id": order_id})
    if item is None:
        raise ops.Unknown(f"no order {order_id}")
    order = order_of_item(item)
    view = order_view(order).model_dump(mode="json")
    payment = view.get("payment")
    if payment:
        payment["amount_text"] = format_money(payment["amount"], payment["currency"])
        payment["captured_text"] = format_money(payment["captured_amount"], payment["currency"])
    view["total_text"] = format_money(order.quote.total, order.quote.currency)
    view["short"] = short_reference(order_id)
    return {
        "order": view,
        "emails": emails_for(emails_dir, order_id),
        "logs": log_lines_for(logs_dir, (order_id, order.correlation_id)),
    }


def emails_for(emails_dir: Path, order_id: str) -> list[dict[str, str]]:
    """The emails the emulated SES sent about one order, oldest first (the mailbox's .eml files)."""
    found = []
    for path in sorted(emails_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("html", "plain"))
        content = body.get_content() if body is not None else ""
        if order_id not in content:
            continue
        html = content if body is not None and body.get_content_subtype() == "html" else None
        found.append(
            {
                "file": path.name,
                "subject": str(message["Subject"] or ""),
                "to": redact(str(message["To"] or "")),
                "date": str(message["Date"] or ""),
                "html": redact(html) if html is not None else "",
                "text": "" if html is not None else redact(content),
            }
        )
    return found


# Keys every Powertools line has that say nothing about this order.
_ROUTINE_KEYS = frozenset(
    {"level", "location", "message", "timestamp", "service", "cold_start", "function_name"}
    | {"function_memory_size", "function_arn", "function_request_id", "xray_trace_id"}
    | {"sampling_rate", "order_id", "correlation_id", "message_id", "event_id"}
    | {"exception", "exception_name", "stack_trace"}
)


def log_line(function: str, line: str) -> tuple[str, str]:
    """(timestamp, one readable line) for a Powertools JSON log line; other lines as they are."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return "", f"{function}: {redact(line)}"
    record = redact(record)
    extra = [f"{k}={record[k]}" for k in record if k not in _ROUTINE_KEYS]
    if record.get("exception"):  # a traceback: its last line names the exception and says why
        extra.append(f"error={str(record['exception']).strip().splitlines()[-1]}")
    at = str(record.get("timestamp", ""))
    parts = [at, str(record.get("level", "")), f"{function}:", str(record.get("message", "")), *extra]
    return at, " ".join(part for part in parts if part)


def log_lines_for(logs_dir: Path, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Every function's log lines that name the order or its correlation id, in time order."""
    lines: list[tuple[str, str, str]] = []
    for path in sorted(logs_dir.glob("*.log")):
        with path.open(errors="replace") as log:
            for line in log:
                if any(key and key in line for key in keys):
                    at, text = log_line(path.stem, line.rstrip())
                    lines.append((at, path.stem, text))
    lines.sort(key=lambda entry: entry[0])
    return [{"at": at, "function": fn, "line": text} for at, fn, text in lines[-MAX_LOG_LINES:]]
