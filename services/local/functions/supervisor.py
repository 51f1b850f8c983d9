"""A function's sandboxes, supervised as Lambda supervises them.

- An invocation goes to an idle sandbox. When all are busy, another is started (a cold
  start), up to the function's concurrency; beyond it the caller waits for one.
- An invocation that runs past the function's timeout ends its process (Lambda does not let a
  timed-out sandbox run on), and the caller gets the `Sandbox.Timedout` error.
- A process that dies, whatever the cause, fails its in-flight invocation with
  `Runtime.ExitError` and is replaced by a fresh one (a cold start). A process that keeps dying
  right after its start is replaced after a growing pause, so a broken handler cannot spin.
- `restart()` replaces every process, e.g. when the code changed (live reload).
Every start and end is announced on the bus.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.local.bus import Bus, InvocationStarted, Invoked, RuntimeExited
from services.local.functions.logs import FailureNotes
from services.local.functions.process import Sandbox, exit_reason
from services.local.runtime import InvocationResult
from services.shared.simulation import SANDBOX_ENV
from services.shared.topology import Function

_WATCH_INTERVAL = 0.1
_QUICK_DEATH_SECONDS = 2.0
_MAX_RESPAWN_PAUSE = 10.0


@dataclass
class _Life:
    started: float
    pause: float = 0.0
    reason: str | None = None  # why the supervisor ended it, if it did
    replacing: bool = False
    reloaded: bool = False


def sandbox_env(env: dict[str, str], index: int) -> dict[str, str]:
    """A sandbox's environment: the function's, and which of its execution environments this is
    (`SANDBOX_ENV`), so simulated partners draw each environment's faults apart (services/shared/
    simulation.py) instead of two containers failing in lockstep on the same key."""
    return {**env, SANDBOX_ENV: str(index)}


class LambdaFunction:
    def __init__(
        self,
        function: Function,
        aws_name: str,
        env: dict[str, str],
        processes: int,
        log_file: Path,
        bus: Bus,
    ) -> None:
        self.function = function
        self.aws_name = aws_name
        self.log_file = log_file
        self.failures = FailureNotes(log_file)  # why each record failed, from the function's log
        self._bus = bus
        self._env = env
        self._limit = max(1, processes)
        self.sandboxes = [Sandbox(function, aws_name, sandbox_env(env, 0), log_file)]
        self._idle: queue.Queue[Sandbox] = queue.Queue()
        self._lives: dict[int, _Life] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.sandboxes if s.pid is not None and s.exited() is None]

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        for sandbox in self.sandboxes:
            self._spawn(sandbox)
            self._idle.put(sandbox)
        self._watcher = threading.Thread(target=self._watch, name=f"supervisor-{self.name}", daemon=True)
        self._watcher.start()

    def wait_ready(self, timeout: float) -> None:
        for sandbox in list(self.sandboxes):
            sandbox.wait_ready(timeout)

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        for sandbox in list(self.sandboxes):
            sandbox.stop()

    def restart(self, reason: str) -> None:
        """Replace every process (the code changed). In-flight invocations finish first."""
        taken = [self._idle.get() for _ in list(self.sandboxes)]
        for sandbox in taken:
            with self._lock:
                self._lives[id(sandbox)].reason = reason
                self._lives[id(sandbox)].reloaded = True
            sandbox.terminate()
            self._replace_if_dead(sandbox)
        for sandbox in taken:
            self._idle.put(sandbox)

    # -- invoking ------------------------------------------------------------------
    def _take(self) -> Sandbox:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = len(self.sandboxes) < self._limit
            if grow:
                sandbox = Sandbox(
                    self.function, self.aws_name, sandbox_env(self._env, len(self.sandboxes)), self.log_file
                )
                self.sandboxes.append(sandbox)
        if not grow:
            return self._idle.get()
        self._spawn(sandbox)
        return sandbox

    def invoke(self, event: dict[str, Any]) -> InvocationResult:
        sandbox = self._take()
        try:
            self._bus.publish(InvocationStarted(self.name, sandbox.pid))
            result = sandbox.invoke(event)
            if result.timed_out:
                with self._lock:
                    self._lives[id(sandbox)].reason = f"timed out after {self.function.timeout_seconds} s"
                sandbox.kill()
                self._replace_if_dead(sandbox)
        finally:
            self._idle.put(sandbox)
        failure = result.error or {}
        self._bus.publish(
            Invoked(
                function=self.name,
                request_id=result.request_id,
                records=len(event.get("Records", [])),
                duration_ms=result.duration_ms,
                ok=result.ok,
                error_type=failure.get("errorType"),
                error_message=failure.get("errorMessage"),
                pid=sandbox.pid,
                event=event,
                payload=result.payload,
            )
        )
        return result

    # -- supervision ---------------------------------------------------------------
    def _spawn(self, sandbox: Sandbox) -> None:
        sandbox.start()
        with self._lock:
            previous = self._lives.get(id(sandbox))
            self._lives[id(sandbox)] = _Life(
                started=time.monotonic(), pause=previous.pause if previous else 0
            )

    def _watch(self) -> None:
        while not self._stopping.wait(_WATCH_INTERVAL):
            for sandbox in list(self.sandboxes):
                self._replace_if_dead(sandbox)

    def _replace_if_dead(self, sandbox: Sandbox) -> None:
        """If the sandbox's process has ended: fail its invocation, announce it, start another."""
        with self._lock:
            returncode = sandbox.exited()
            life = self._lives.get(id(sandbox))
            if returncode is None or life is None or life.replacing or self._stopping.is_set():
                return
            life.replacing = True
            pid = sandbox.pid or 0
            sandbox.fail_inflight(returncode)
            quick = life.reason is None and time.monotonic() - life.started < _QUICK_DEATH_SECONDS
            life.pause = min(_MAX_RESPAWN_PAUSE, max(0.5, life.pause * 2)) if quick else 0.0
            reason = life.reason or exit_reason(returncode)
        self._bus.publish(RuntimeExited(self.name, pid, reason, respawned=True, reloaded=life.reloaded))
        if life.pause and self._stopping.wait(life.pause):
            return
        self._spawn(sandbox)
