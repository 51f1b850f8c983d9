"""What the bus tells about the stack's health, kept for the console, the bench and chaos:

- `Sweeps`: every order the sweeper nudged or flagged. The sweeper is a safety net: a run
  without faults must nudge none, so the bench and each chaos profile report the count.
- `Retries`: the records that failed and are waiting for another attempt, per order, with the
  function, the attempt and the one-line reason, until the record succeeds or is dead-lettered;
  and the orders with a record whose retries ran out (the ones the sweeper is there to catch).
- `RelayWatch`: the relay's path from the table's stream. An order the API stored whose stream
  record the relay's poller has not read within `stall_seconds` means the relay has gone blind
  (the console says so, once, and again when it reads again).

Each is a bus subscriber; none calls into another part of the stack.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.local.bus import Bus, Invoked, MovedToDlq, Notice, RecordFailed, StreamRead
from services.shared.topology import Topology


class Sweeps:
    """The orders the sweeper nudged (re-published) and flagged, from its invocations' answers."""

    def __init__(self, sweeper: str) -> None:
        self._sweeper = sweeper
        self._lock = threading.Lock()
        self.nudges = 0  # every re-publish: one order may be nudged at more than one stage
        self.nudged: set[str] = set()
        self.flagged: set[str] = set()

    def __call__(self, event: Any) -> None:
        if not (isinstance(event, Invoked) and event.function == self._sweeper and event.ok):
            return
        answer = event.payload if isinstance(event.payload, dict) else {}
        with self._lock:
            self.nudges += len(answer.get("nudged", []))
            self.nudged.update(answer.get("nudged", []))
            self.flagged.update(answer.get("flagged", []))


@dataclass(frozen=True)
class Retry:
    function: str
    attempt: int
    reason: str


def _record_id(record: dict[str, Any]) -> str | None:
    """An SQS record's message id, or a stream record's sequence number (as RecordFailed names it)."""
    if "messageId" in record:
        return str(record["messageId"])
    sequence = record.get("dynamodb", {}).get("SequenceNumber")
    return str(sequence) if sequence is not None else None


class Retries:
    """The records waiting for another attempt, by (function, record id), with their order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str, str], tuple[str, Retry]] = {}
        self.dead_lettered: set[str] = set()  # orders with a record whose retries ran out

    def __call__(self, event: Any) -> None:
        if isinstance(event, RecordFailed) and event.order_id:
            with self._lock:
                self._waiting[event.function, event.message_id] = (
                    event.order_id,
                    Retry(event.function, event.attempt, event.error.splitlines()[0] if event.error else ""),
                )
        elif isinstance(event, MovedToDlq):
            with self._lock:
                self._waiting.pop((event.function, event.message_id), None)
                if event.order_id:
                    self.dead_lettered.add(event.order_id)
        elif isinstance(event, Invoked) and event.ok:
            answer = event.payload if isinstance(event.payload, dict) else {}
            failed = {str(f.get("itemIdentifier")) for f in answer.get("batchItemFailures", [])}
            done = {_record_id(r) for r in event.event.get("Records", [])} - failed
            with self._lock:
                for record_id in done:
                    if record_id is not None:
                        self._waiting.pop((event.function, record_id), None)

    def by_order(self) -> dict[str, list[Retry]]:
        with self._lock:
            waiting = list(self._waiting.values())
        found: dict[str, list[Retry]] = {}
        for order_id, retry in waiting:
            found.setdefault(order_id, []).append(retry)
        return found


def _stored_order(payload: Any) -> str | None:
    """The order id of an HTTP answer that says an order was stored (201), else None."""
    if not isinstance(payload, dict) or payload.get("statusCode") != 201:
        return None
    try:
        body = json.loads(payload.get("body") or "{}")
    except ValueError:
        return None
    order_id = body.get("order_id") if isinstance(body, dict) else None
    return order_id if isinstance(order_id, str) else None


class RelayWatch:
    """Says when the relay's stream poller has not read the record of an order the API stored.

    A 201 for an order id seen for the first time is a write the stream must carry; a retried POST
    answered with the same order is not. `check` runs every second on the stack's thread."""

    def __init__(
        self,
        bus: Bus,
        *,
        writer: str,
        relay: str,
        stall_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus, self._writer, self._relay = bus, writer, relay
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._unread: dict[str, float] = {}  # order id -> when the API answered 201
        self.stalled_since: float | None = None
        self.stalls = 0

    def __call__(self, event: Any) -> None:
        if isinstance(event, Invoked) and event.function == self._writer and event.ok:
            order_id = _stored_order(event.payload)
            with self._lock:
                if order_id is not None and order_id not in self._seen:
                    self._seen.add(order_id)
                    self._unread[order_id] = self._clock()
        elif isinstance(event, StreamRead) and event.function == self._relay:
            with self._lock:
                self._seen.update(event.order_ids)
                for order_id in event.order_ids:
                    self._unread.pop(order_id, None)
                recovered = self.stalled_since is not None and not self._unread
                if recovered:
                    self.stalled_since = None
            if recovered:
                self._bus.publish(Notice(f"{self._relay}: its stream poller reads the table's writes again"))

    def check(self) -> None:
        with self._lock:
            oldest = min(self._unread.values(), default=None)
            if oldest is None or self.stalled_since is not None:
                return
            waited = self._clock() - oldest
            if waited < self.stall_seconds:
                return
            self.stalled_since, self.stalls = oldest, self.stalls + 1
            unread = len(self._unread)
        self._bus.publish(Notice(f"! {self.text(unread, waited)}"))

    def text(self, unread: int, waited: float) -> str:
        return (
            f"{self._relay}: the stream poller has not read {unread} stored order(s) for {waited:.0f} s; "
            "their events reach the topic only if the sweeper re-publishes them"
        )

    def status(self) -> dict[str, Any] | None:
        """None while the relay keeps up; else what the console's banner says."""
        with self._lock:
            if self.stalled_since is None:
                return None
            unread = len(self._unread)
        return {"unread": unread, "text": self.text(unread, self._clock() - self.stalled_since)}

    def run(self, stopping: threading.Event) -> None:
        while not stopping.wait(1.0):
            self.check()


@dataclass(frozen=True)
class Watches:
    sweeps: Sweeps
    retries: Retries
    relay: RelayWatch


def watches(bus: Bus, topology: Topology) -> Watches:
    """The three watches for `topology`'s sweeper, relay and API function, subscribed to `bus`."""
    sweeper = next(f.name for f in topology.functions if f.schedule is not None)
    relay = next(f.name for f in topology.functions if f.stream is not None)
    writer = next(f.name for f in topology.functions if f.http)
    found = Watches(Sweeps(sweeper), Retries(), RelayWatch(bus, writer=writer, relay=relay))
    for watch in (found.sweeps, found.retries, found.relay):
        bus.subscribe(watch)
    return found
