"""The local Lambda Runtime API server, driven by the real awslambdaric runtime client."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.local.runtime import RuntimeApiServer

ROOT = Path(__file__).resolve().parents[2]
ECHO = "tests.images.fixtures.echo.handler"
BROKEN = "tests.images.fixtures.broken.handler"

pytest.importorskip("awslambdaric", reason="awslambdaric is not installed (pip install -e '.[dev]')")


class Runtimes:
    """Starts `python -m awslambdaric <handler>` processes against a server; kills them after."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, api: RuntimeApiServer, handler: str = ECHO) -> subprocess.Popen:
        env = {**os.environ, **api.runtime_environment(), "PYTHONUNBUFFERED": "1"}
        env.pop("AWS_LAMBDA_MAX_CONCURRENCY", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", handler],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()


@pytest.fixture
def runtimes() -> Iterator[Runtimes]:
    r = Runtimes()
    yield r
    r.close()


@pytest.fixture
def api() -> Iterator[RuntimeApiServer]:
    with RuntimeApiServer("echo", timeout_seconds=10, memory_mb=128) as server:
        yield server


def wait_for_clients(api: RuntimeApiServer, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while api.waiting_clients < count:
        assert time.monotonic() < deadline, f"only {api.waiting_clients} of {count} runtimes polled /next"
        time.sleep(0.02)


def test_response_is_returned_with_lambda_context(api: RuntimeApiServer, runtimes: Runtimes) -> None:
    runtimes.start(api)
    assert api.wait_until_polled(20)

    result = api.invoke({"action": "echo", "n": 1}, timeout=20)

    assert result.ok, result.error
    assert result.error is None
    assert result.payload["event"] == {"action": "echo", "n": 1}
    assert result.payload["request_id"] == result.request_id
    assert result.payload["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert result.payload["function_name"] == "echo"
    assert result.payload["memory_limit_in_mb"] == "128"
    assert 0 < result.payload["remaining_ms"] <= 10_000
    assert result.payload["trace_id"].startswith("Root=1-")
    assert result.duration_ms > 0

    again = api.invoke({"action": "echo", "n": 2}, timeout=20)  # the same process serves the next one
    assert again.ok
    assert again.payload["event"]["n"] == 2
    assert again.payload["pid"] == result.payload["pid"]
    assert again.request_id != result.request_id


def test_raised_exception_becomes_error_result(api: RuntimeApiServer, runtimes: Runtimes) -> None:
    runtimes.start(api)

    result = api.invoke({"action": "raise", "message": "boom"}, timeout=20)

    assert not result.ok
    assert result.payload is None
    assert result.error["errorType"] == "FixtureError"
    assert result.error["errorMessage"] == "boom"
    assert any("echo.py" in line for line in result.error["stackTrace"])
    # the runtime survives a handler error and takes the next invocation
    assert api.invoke({"action": "echo"}, timeout=20).ok


def test_concurrent_invokes_go_to_distinct_runtimes(api: RuntimeApiServer, runtimes: Runtimes) -> None:
    runtimes.start(api)
    runtimes.start(api)
    wait_for_clients(api, 2)

    results = []
    lock = threading.Lock()

    def call(i: int) -> None:
        r = api.invoke({"action": "sleep", "seconds": 1.0, "i": i}, timeout=20)
        with lock:
            results.append(r)

    started = time.monotonic()
    threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    elapsed = time.monotonic() - started

    assert len(results) == 2
    assert all(r.ok for r in results), [r.error for r in results]
    assert {r.payload["event"]["i"] for r in results} == {0, 1}
    assert len({r.payload["pid"] for r in results}) == 2, "both invocations ran in the same process"
    assert len({r.request_id for r in results}) == 2
    assert elapsed < 1.9, f"invocations were serialised ({elapsed:.2f}s for two 1s sleeps)"


def test_more_invokes_than_runtimes_queue_up(api: RuntimeApiServer, runtimes: Runtimes) -> None:
    runtimes.start(api)
    results = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(api.invoke({"i": i}, timeout=30)))
        for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    assert sorted(r.payload["event"]["i"] for r in results if r.ok) == list(range(6))


def test_import_error_sets_init_error_and_invoke_fails_fast(runtimes: Runtimes) -> None:
    with RuntimeApiServer("broken", timeout_seconds=10) as api:
        proc = runtimes.start(api, BROKEN)
        assert proc.wait(timeout=20) != 0
        assert api.init_error is not None
        assert api.init_error["errorType"] == "Runtime.ImportModuleError"
        assert "orderflow_module_that_does_not_exist" in api.init_error["errorMessage"]
        assert not api.wait_until_polled(0.1)

        started = time.monotonic()
        result = api.invoke({"action": "echo"})  # no timeout: must not hang
        assert time.monotonic() - started < 1
        assert not result.ok
        assert result.error["errorType"] == "Runtime.ImportModuleError"


def test_invoke_queued_before_init_error_fails_fast(runtimes: Runtimes) -> None:
    with RuntimeApiServer("broken", timeout_seconds=10) as api:
        outcome = []
        waiter = threading.Thread(target=lambda: outcome.append(api.invoke({"x": 1})))
        waiter.start()
        time.sleep(0.1)
        runtimes.start(api, BROKEN)
        waiter.join(20)
        assert not waiter.is_alive(), "invoke() hung after the runtime posted an init error"
        assert outcome[0].error["errorType"] == "Runtime.ImportModuleError"


def test_deadline_gives_timeout_result_and_runtime_stays_usable(runtimes: Runtimes) -> None:
    with RuntimeApiServer("slow", timeout_seconds=0.5) as api:
        runtimes.start(api)
        result = api.invoke({"action": "sleep", "seconds": 1.5}, timeout=20)
        assert not result.ok
        assert result.error["errorType"] == "Sandbox.Timedout"
        assert "Task timed out after 0.50 seconds" in result.error["errorMessage"]
        assert result.duration_ms < 1400
        # the late answer is accepted and dropped; the process takes the next invocation
        follow_up = api.invoke({"action": "echo"}, timeout=20)
        assert follow_up.ok, follow_up.error


def test_invoke_without_any_runtime_gives_up_after_timeout(api: RuntimeApiServer) -> None:
    started = time.monotonic()
    result = api.invoke({"x": 1}, timeout=0.3)
    assert time.monotonic() - started < 2
    assert not result.ok
    assert result.error["errorType"] == "Runtime.Unavailable"


def test_stop_releases_long_polls_and_the_runtime_exits(runtimes: Runtimes) -> None:
    api = RuntimeApiServer("echo")
    api.start()
    proc = runtimes.start(api)
    wait_for_clients(api, 1)
    started = time.monotonic()
    api.stop()
    assert time.monotonic() - started < 3
    assert proc.wait(timeout=10) != 0  # told 500 on /next, as Lambda tells a runtime to exit
    with pytest.raises(RuntimeError):
        api.invoke({"x": 1})


def test_unknown_request_id_is_rejected(api: RuntimeApiServer) -> None:
    conn = http.client.HTTPConnection(api.address, timeout=5)
    conn.request("POST", "/2018-06-01/runtime/invocation/nope/response", body=b"{}")
    resp = conn.getresponse()
    assert resp.status == 400
    assert json.loads(resp.read())["errorType"] == "InvalidRequestID"
    conn.close()


def test_address_is_loopback_host_port(api: RuntimeApiServer) -> None:
    host, port = api.address.split(":")
    assert host == "127.0.0.1"
    assert int(port) > 0
    env = api.runtime_environment()
    assert env["AWS_LAMBDA_RUNTIME_API"] == api.address
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"


def test_killed_runtime_does_not_swallow_the_next_invocation(
    api: RuntimeApiServer, runtimes: Runtimes
) -> None:
    dead = runtimes.start(api)
    wait_for_clients(api, 1)
    dead.kill()
    dead.wait(10)
    runtimes.start(api)
    result = api.invoke({"action": "echo"}, timeout=20)
    assert result.ok, result.error
    assert result.payload["pid"] != dead.pid
