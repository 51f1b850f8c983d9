"""Typed events the parts of the local stack announce, and a bus that hands them to subscribers.

The console, the bench and the chaos runner subscribe; nothing calls into another part's
internals to learn what happened. Imports nothing from `services.local`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Invoked:
    """A function finished one invocation (ok: it returned; otherwise its error)."""

    function: str
    request_id: str
    records: int
    duration_ms: float
    ok: bool
    error_type: str | None = None
    error_message: str | None = None
    pid: int | None = None
    # What went in and what came back (the bench reads the batch and its batchItemFailures).
    event: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    payload: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class InvocationStarted:
    """A sandbox took an invocation (pid: its runtime process)."""

    function: str
    pid: int | None


@dataclass(frozen=True)
class RecordFailed:
    """A record of a batch failed and goes back to its queue (or stream) for another attempt."""

    function: str
    order_id: str | None
    message_id: str
    attempt: int
    error: str


@dataclass(frozen=True)
class MovedToDlq:
    function: str
    order_id: str | None
    message_id: str
    attempts: int
    destination: str


@dataclass(frozen=True)
class RuntimeExited:
    """A function process ended on its own or was ended (timeout, reload, fault)."""

    function: str
    pid: int
    reason: str
    respawned: bool
    reloaded: bool = False  # replaced on purpose, because its code changed (see Reloaded)


@dataclass(frozen=True)
class Reloaded:
    """The code under services/ changed: these functions' processes were replaced (live reload)."""

    functions: tuple[str, ...]
    changed: str


@dataclass(frozen=True)
class StreamRead:
    """A stream poller read records (order_ids: the orders they are about, in order)."""

    function: str
    order_ids: tuple[str, ...]


@dataclass(frozen=True)
class Published:
    """An event reached the topic (seen by the stack's tap subscription)."""

    event: dict[str, Any]


@dataclass(frozen=True)
class Unroutable:
    """A message on the topic that no consumer's filter policy matched."""

    status: str | None
    order_id: str | None


@dataclass(frozen=True)
class EmailWritten:
    subject: str
    path: str
    order_id: str | None


@dataclass(frozen=True)
class Notice:
    """Anything else worth a console line."""

    text: str


Subscriber = Callable[[Any], None]


@dataclass
class Bus:
    """Synchronous fan-out: each event is handed to every subscriber in the publisher's thread.

    A subscriber that raises does not stop the publisher (a console must never stop the stack),
    but its traceback is printed to stderr: nothing is swallowed silently.
    """

    _subscribers: list[Subscriber] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Any) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                traceback.print_exc(file=sys.stderr)
