"""Function processes supervised as Lambda supervises them: a dead process is replaced, and an
invocation past its timeout ends its process. Driven by real awslambdaric processes."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.local.bus import Bus, RuntimeExited
from services.local.functions.supervisor import LambdaFunction
from services.local.runtime import InvocationResult
from services.shared.topology import Function

pytest.importorskip("awslambdaric", reason="awslambdaric is not installed (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]


def function(timeout: int = 5, handler: str = "tests.images.fixtures.echo.handler") -> Function:
    return Function(
        name="echo",
        image="echo",
        handler=handler,
        timeout_seconds=timeout,
        memory_mb=128,
        publishes=False,
        sends_email=False,
        http=False,
        tables={},
        consumes=None,
        visibility_timeout_seconds=6 * timeout,
    )


class Recorder:
    def __init__(self, bus: Bus) -> None:
        self.events: list[object] = []
        self._changed = threading.Condition()
        bus.subscribe(self._record)

    def _record(self, event: object) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def exits(self) -> list[RuntimeExited]:
        return [e for e in self.events if isinstance(e, RuntimeExited)]

    def wait_exits(self, count: int, timeout: float = 20) -> list[RuntimeExited]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.exits()) >= count, timeout), self.events
            return self.exits()


@pytest.fixture
def bus() -> Bus:
    return Bus()


def started(fn: LambdaFunction) -> LambdaFunction:
    fn.start()
    fn.wait_ready(30)
    return fn


@pytest.fixture
def echo(bus: Bus, tmp_path: Path) -> Iterator[LambdaFunction]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fn = started(LambdaFunction(function(timeout=2), "local-echo", env, 1, tmp_path / "echo.log", bus))
    yield fn
    fn.stop()


def test_a_killed_process_fails_its_invocation_and_is_replaced(echo: LambdaFunction, bus: Bus) -> None:
    recorder = Recorder(bus)
    (first,) = echo.pids
    outcome: list[InvocationResult] = []
    worker = threading.Thread(target=lambda: outcome.append(echo.invoke({"action": "sleep", "seconds": 1.5})))
    worker.start()
    time.sleep(0.5)  # the invocation is in flight
    os.kill(first, signal.SIGKILL)
    worker.join(10)
    (result,) = outcome
    assert not result.ok
    assert result.error is not None
    assert result.error["errorType"] == "Runtime.ExitError"
    assert "signal: killed" in result.error["errorMessage"]
    (exited,) = recorder.wait_exits(1)
    assert (exited.pid, exited.reason, exited.respawned) == (first, "signal: killed", True)
    again = echo.invoke({"action": "echo"})
    assert again.ok, again.error
    assert again.payload["pid"] != first


def test_an_invocation_past_its_timeout_ends_its_process(echo: LambdaFunction, bus: Bus) -> None:
    recorder = Recorder(bus)
    (first,) = echo.pids
    result = echo.invoke({"action": "sleep", "seconds": 30})
    assert result.timed_out
    (exited,) = recorder.wait_exits(1)
    assert exited.pid == first
    assert "timed out after 2 s" in exited.reason
    with pytest.raises(ProcessLookupError):  # Lambda does not let a timed-out sandbox run on
        os.kill(first, 0)
    after = echo.invoke({"action": "echo"})
    assert after.ok
    assert after.payload["pid"] != first


def test_restart_replaces_every_process(echo: LambdaFunction, bus: Bus) -> None:
    recorder = Recorder(bus)
    before = set(echo.pids)
    echo.restart("code changed")
    assert recorder.wait_exits(1)[0].reason == "code changed"
    result = echo.invoke({"action": "echo"})
    assert result.ok
    assert result.payload["pid"] not in before


def test_a_handler_that_cannot_load_is_not_respawned_in_a_tight_loop(bus: Bus, tmp_path: Path) -> None:
    recorder = Recorder(bus)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    broken = function(handler="tests.images.fixtures.broken.handler")
    fn = LambdaFunction(broken, "local-broken", env, 1, tmp_path / "b.log", bus)
    fn.start()
    try:
        result = fn.invoke({"action": "echo"})
        assert not result.ok
        assert result.error is not None
        assert result.error["errorType"] == "Runtime.ImportModuleError"
        time.sleep(3)
        # It is replaced (a later invocation may find the code fixed), but after growing pauses.
        assert 1 <= len(recorder.exits()) <= 4, recorder.exits()
    finally:
        fn.stop()


def test_a_second_process_starts_only_when_the_first_is_busy(bus: Bus, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    fn = started(LambdaFunction(function(timeout=5), "local-two", env, 2, tmp_path / "two.log", bus))
    try:
        assert len(fn.pids) == 1  # ready with one: the second is a cold start when needed
        outcomes: list[InvocationResult] = []
        workers = [
            threading.Thread(target=lambda: outcomes.append(fn.invoke({"action": "sleep", "seconds": 1})))
            for _ in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert [o.ok for o in outcomes] == [True] * 3
        assert len({o.payload["pid"] for o in outcomes}) == 2  # never more than its concurrency
    finally:
        fn.stop()
