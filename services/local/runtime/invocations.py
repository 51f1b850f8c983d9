"""The invocations of one function sandbox: queued, taken by a runtime, finished.

Thread-safe state with a public interface used by two sides:
- the caller (`submit`, `wait`): Lambda's Invoke;
- the runtime transport (`take`, `complete`, `fail`, `init_failed`): what a runtime client asks
  for over HTTP, see http.py.
The supervisor uses `fail_inflight` when a process dies and `reset` when it starts a new one.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.local.runtime.protocol import (
    STOPPED_ERROR_TYPE,
    TIMEOUT_ERROR_TYPE,
    UNAVAILABLE_ERROR_TYPE,
    InvocationResult,
    error,
    trace_id,
)

POLL_INTERVAL = 0.25  # how often a waiting take() re-checks for stop / runtime gone
_FINISHED_MEMORY = 4096  # request ids remembered to accept (and drop) late answers


@dataclass
class Invocation:
    request_id: str
    body: bytes
    trace_id: str
    started: float = field(default_factory=time.monotonic)
    deadline_ms: int | None = None  # epoch ms, set when a runtime takes it
    deadline_monotonic: float | None = None
    result: InvocationResult | None = None

    def finish(self, *, ok: bool, payload: Any = None, error: dict[str, Any] | None = None) -> None:
        self.result = InvocationResult(
            request_id=self.request_id,
            ok=ok,
            payload=payload,
            error=error,
            duration_ms=(time.monotonic() - self.started) * 1000.0,
        )


class Invocations:
    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._cond = threading.Condition()
        self._queue: deque[Invocation] = deque()
        self._inflight: dict[str, Invocation] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._waiting = 0
        self._init_error: dict[str, Any] | None = None
        self._stopped = False
        self.polled = threading.Event()

    # -- state ------------------------------------------------------------------
    @property
    def init_error(self) -> dict[str, Any] | None:
        return self._init_error

    @property
    def waiting(self) -> int:
        """How many runtimes are parked in take() right now."""
        with self._cond:
            return self._waiting

    @property
    def busy(self) -> bool:
        with self._cond:
            return bool(self._inflight or self._queue)

    def reset(self) -> None:
        """A new runtime process is starting: forget the old one's init error and first poll."""
        with self._cond:
            self._init_error = None
            self.polled.clear()

    # -- the caller's side --------------------------------------------------------
    def submit(self, event: Any) -> Invocation:
        invocation = Invocation(
            request_id=str(uuid.uuid4()),
            body=json.dumps(event).encode(),
            trace_id=trace_id(),
        )
        with self._cond:
            if self._init_error is not None:
                invocation.finish(ok=False, error=dict(self._init_error))
            elif self._stopped:
                invocation.finish(ok=False, error=error(STOPPED_ERROR_TYPE, "the Runtime API server stopped"))
            else:
                self._queue.append(invocation)
                self._cond.notify_all()
        return invocation

    def wait(self, invocation: Invocation, timeout: float | None) -> InvocationResult:
        """Block until the invocation has an outcome, the function's deadline passes, or `timeout`
        (seconds from submit) runs out. Never raises: every ending is a result."""
        give_up = None if timeout is None else invocation.started + timeout
        with self._cond:
            while invocation.result is None:
                now = time.monotonic()
                deadline = invocation.deadline_monotonic  # None while queued
                if deadline is None and self._init_error is not None:
                    self._queue.remove(invocation)
                    invocation.finish(ok=False, error=dict(self._init_error))
                    break
                if deadline is not None and now >= deadline:
                    self._expire(invocation, f"Task timed out after {self.timeout_seconds:.2f} seconds")
                    break
                if give_up is not None and now >= give_up:
                    if deadline is None:
                        self._queue.remove(invocation)
                        invocation.finish(
                            ok=False,
                            error=error(
                                UNAVAILABLE_ERROR_TYPE,
                                f"no runtime took the invocation within {timeout:.2f} s",
                            ),
                        )
                        self._remember(invocation.request_id)
                    else:
                        self._expire(invocation, f"invoke() gave up after {timeout:.2f} seconds")
                    break
                waits = [POLL_INTERVAL if deadline is None else deadline - now]
                if give_up is not None:
                    waits.append(give_up - now)
                self._cond.wait(max(0.001, min(waits)))
            assert invocation.result is not None
            return invocation.result

    def _expire(self, invocation: Invocation, message: str) -> None:
        self._inflight.pop(invocation.request_id, None)
        self._remember(invocation.request_id)
        invocation.finish(ok=False, error=error(TIMEOUT_ERROR_TYPE, f"{invocation.request_id} {message}"))

    def _remember(self, request_id: str) -> None:
        self._finished[request_id] = None
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)

    # -- the runtime's side -----------------------------------------------------------
    def take(self, runtime_gone: Callable[[], bool]) -> Invocation | None:
        """Wait for the next invocation (a runtime's GET /next). None: stop, or the runtime left."""
        self.polled.set()
        with self._cond:
            self._waiting += 1
            try:
                while not self._stopped:
                    if self._queue:
                        if runtime_gone():
                            return None
                        invocation = self._queue.popleft()
                        invocation.deadline_monotonic = time.monotonic() + self.timeout_seconds
                        invocation.deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
                        self._inflight[invocation.request_id] = invocation
                        return invocation
                    self._cond.wait(POLL_INTERVAL)
                    if not self._queue and runtime_gone():
                        return None
                return None
            finally:
                self._waiting -= 1

    def give_back(self, invocation: Invocation) -> None:
        """The runtime vanished before it received the invocation: queue it for another one."""
        with self._cond:
            if self._inflight.pop(invocation.request_id, None) is not None and invocation.result is None:
                invocation.deadline_ms = invocation.deadline_monotonic = None
                self._queue.appendleft(invocation)
                self._cond.notify_all()

    def complete(self, request_id: str, payload: Any) -> bool:
        """A runtime posted a response. False: the request id is unknown."""
        return self._finish(request_id, ok=True, payload=payload)

    def fail(self, request_id: str, failure: dict[str, Any]) -> bool:
        """A runtime posted an error. False: the request id is unknown."""
        return self._finish(request_id, ok=False, error=failure)

    def _finish(self, request_id: str, **outcome: Any) -> bool:
        with self._cond:
            invocation = self._inflight.pop(request_id, None)
            if invocation is None:
                # A late answer (after the deadline) is accepted and dropped.
                return request_id in self._finished
            invocation.finish(**outcome)
            self._remember(request_id)
            self._cond.notify_all()
            return True

    def init_failed(self, failure: dict[str, Any]) -> None:
        """The runtime could not load the handler: every queued invocation fails with it."""
        with self._cond:
            self._init_error = failure
            while self._queue:
                invocation = self._queue.popleft()
                invocation.finish(ok=False, error=dict(failure))
                self._remember(invocation.request_id)
            self._cond.notify_all()

    def fail_inflight(self, failure: dict[str, Any]) -> int:
        """The process running the invocations died: they fail with `failure`. Returns how many."""
        with self._cond:
            failed = list(self._inflight.values())
            self._inflight.clear()
            for invocation in failed:
                if invocation.result is None:
                    invocation.finish(ok=False, error=dict(failure))
                self._remember(invocation.request_id)
            self._cond.notify_all()
            return len(failed)

    def stop(self) -> None:
        """Fail everything pending and release every waiting take()."""
        with self._cond:
            self._stopped = True
            failure = error(STOPPED_ERROR_TYPE, "the Runtime API server stopped")
            for invocation in list(self._queue) + list(self._inflight.values()):
                if invocation.result is None:
                    invocation.finish(ok=False, error=dict(failure))
                    self._remember(invocation.request_id)
            self._queue.clear()
            self._inflight.clear()
            self._cond.notify_all()

    def restart(self) -> None:
        with self._cond:
            self._stopped = False
