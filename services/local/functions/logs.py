"""The functions' log files: Powertools JSON, one object a line, one file per function.

Read by the stack (why a record failed, for the console) and by `orders logs` (an order's lines
from every function, merged in time order).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.shared.money import format_money

_REMEMBERED_FAILURES = 10_000
# Keys every Powertools line carries: shown as the line's frame, not repeated as details.
_FRAME = frozenset(
    {
        "level",
        "location",
        "message",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "correlation_id",
        "order_id",
        "event_id",
        "message_id",
        "exception",
        "exception_name",
        "stack_trace",
    }
)


@dataclass(frozen=True)
class LogLine:
    function: str
    at: datetime
    record: dict[str, Any]


def parse(text: str) -> dict[str, Any] | None:
    """One log line as a dict, or None when it is not a JSON object (a runtime's own output)."""
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def timestamp(record: dict[str, Any]) -> datetime:
    try:
        at = datetime.fromisoformat(str(record.get("timestamp")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def exception_summary(record: dict[str, Any]) -> str | None:
    """`TransientPaymentError: payment provider processing error; retry later`, or None."""
    trace = record.get("stack_trace")
    if isinstance(trace, dict) and trace.get("type"):
        value = str(trace.get("value") or "").strip().splitlines()
        return f"{trace['type']}: {value[0]}" if value else str(trace["type"])
    text = str(record.get("exception") or "").strip().splitlines()
    if text:
        return text[-1]
    name = record.get("exception_name")
    return str(name) if name else None


def _detail(key: str, value: Any, record: dict[str, Any]) -> str:
    if key == "total" and isinstance(value, int) and isinstance(record.get("currency"), str):
        return f"total={format_money(value, record['currency'])}"  # never minor units divided by 100
    return f"{key}={value}"


def render(line: LogLine) -> str:
    """One readable line: time, function, level, message, its details, the exception."""
    record = line.record
    details = " ".join(
        _detail(key, value, record) for key, value in record.items() if key not in _FRAME | {"currency"}
    )
    error = exception_summary(record)
    return " ".join(
        part
        for part in (
            line.at.astimezone(UTC).strftime("%H:%M:%S.%f")[:-3],
            f"{line.function:<12}",
            f"{record.get('level', '?'):<5}",
            str(record.get("message", "")),
            f"[{details}]" if details else "",
            f"— {error}" if error else "",
        )
        if part
    )


class Tail:
    """New complete lines of one file since the last read (a partial last line waits)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read(self) -> list[str]:
        try:
            with self.path.open("rb") as stream:
                stream.seek(self._offset)
                chunk = stream.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        return [raw.decode("utf-8", "replace") for raw in complete]


def lines_of(
    logs_dir: Path, tails: dict[str, Tail], wanted: Callable[[dict[str, Any]], bool]
) -> list[LogLine]:
    """The new lines of every function's log (`tails` remembers how far each was read) that are
    `wanted`, from all functions merged in time order."""
    for path in sorted(logs_dir.glob("*.log")):
        tails.setdefault(path.stem, Tail(path))
    found = []
    for function, tail in tails.items():
        for text in tail.read():
            record = parse(text)
            if record is not None and wanted(record):
                found.append(LogLine(function, timestamp(record), record))
    found.sort(key=lambda line: line.at)
    return found


class FailureNotes:
    """Why each record failed, by SQS message id, as the function logged it.

    The consumer logs the exception before it answers the invocation, and Powertools flushes each
    line, so the reason is in the file by the time the event source learns of the failure."""

    def __init__(self, log_file: Path) -> None:
        self._tail = Tail(log_file)
        self._notes: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def reason(self, message_id: str) -> str | None:
        with self._lock:
            self._remember(parse(text) for text in self._tail.read())
            return self._notes.get(message_id)

    def _remember(self, records: Iterator[dict[str, Any] | None]) -> None:
        for record in records:
            if record is None or "message_id" not in record:
                continue
            summary = exception_summary(record)
            if summary is None and record.get("level") == "ERROR":
                summary = str(record.get("message", ""))  # refused before it ran: unparseable, say
            if not summary:
                continue
            self._notes[str(record["message_id"])] = summary
            self._notes.move_to_end(str(record["message_id"]))
            while len(self._notes) > _REMEMBERED_FAILURES:
                self._notes.popitem(last=False)
