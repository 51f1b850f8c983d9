"""The terminal console of `make run`: one line per thing worth knowing, fed by the bus."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from services.local.bus import (
    EmailWritten,
    MovedToDlq,
    Notice,
    Published,
    RecordFailed,
    Reloaded,
    RuntimeExited,
    Unroutable,
)
from services.shared.money import format_money
from services.shared.references import short_reference

_REMEMBERED_ORDERS = 1000  # chains kept for the console; the oldest are forgotten


class TextConsole:
    def __init__(self, echo: Callable[[str], None]) -> None:
        self._echo = echo
        self._chains: OrderedDict[str, list[str]] = OrderedDict()

    def __call__(self, event: Any) -> None:
        line = self.line(event)
        if line is not None:
            self._echo(line)

    def line(self, event: Any) -> str | None:
        match event:
            case Published(event=published):
                return self._progress(published)
            case EmailWritten(subject=subject, path=path):
                return f"  ✉ {subject!r} → {path}"
            case RecordFailed(function=function, order_id=order_id, attempt=attempt, error=error):
                who = short_reference(order_id) if order_id else "?"
                return f"  ! {function}: order {who} failed (attempt {attempt}): {error}"
            case MovedToDlq(function=function, order_id=order_id, attempts=attempts, destination=dlq):
                who = short_reference(order_id) if order_id else "?"
                return f"  ✗ {function}: order {who} moves to {dlq} after {attempts} attempts"
            case RuntimeExited(reloaded=True):
                return None  # one line for the whole reload, below
            case Reloaded(functions=functions, changed=changed):
                return f"  ↻ reloaded {', '.join(functions)} ({changed} changed); queues and tables kept"
            case RuntimeExited(function=function, pid=pid, reason=reason, respawned=respawned):
                then = "; a new process takes over" if respawned else ""
                return f"  ↻ {function}: process {pid} ended ({reason}){then}"
            case Unroutable(status=status, order_id=order_id):
                who = short_reference(order_id) if order_id else "?"
                kind = f"status {status}" if status else "no status"
                return f"  ? unroutable event ({kind}) for order {who}: kept in the unroutable queue"
            case Notice(text=text):
                return f"  {text}"
        return None

    def _progress(self, event: dict[str, Any]) -> str:
        order_id = str(event.get("order_id", "?"))
        status = str(event.get("status", "?"))
        chain = self._chains.setdefault(order_id, [])
        self._chains.move_to_end(order_id)
        if status not in chain:
            chain.append(status)
        while len(self._chains) > _REMEMBERED_ORDERS:
            self._chains.popitem(last=False)
        data = event.get("data") or {}
        detail = data.get("invoice_number") if status == "INVOICE_CREATED" else None
        detail = detail or data.get("tracking_number") or data.get("reason") or ""
        if status == "ORDER_CREATED":
            amounts = data.get("amounts") or {}
            if "total" in amounts and "currency" in amounts:
                detail = format_money(int(amounts["total"]), str(amounts["currency"]))
        return f"{short_reference(order_id)} {' → '.join(chain)}" + (f"  ({detail})" if detail else "")
