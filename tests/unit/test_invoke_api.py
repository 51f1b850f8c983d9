"""`make run-image` without aws-lambda-rie: services/local/images/run_runtime_api.py runs a runtime command
against the project's Runtime API server behind the Invoke endpoint aws-lambda-rie serves, and
images/invoke.sh (`make invoke`) talks to it unchanged. Here the runtime command is a local
`python -m awslambdaric` (tests/images runs the real image the same way)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ECHO = "tests.images.fixtures.echo.handler"
BROKEN = "tests.images.fixtures.broken.handler"

pytest.importorskip("awslambdaric", reason="awslambdaric is not installed (pip install -e '.[dev]')")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(handler: str) -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.local.images.run_runtime_api",
            "--function",
            "echo",
            "--port",
            str(port),
            "--timeout",
            "5",
            "--",
            sys.executable,
            "-m",
            "awslambdaric",
            handler,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "Runtime API server on 127.0.0.1:" in proc.stdout.readline()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        assert proc.returncode == 0  # Ctrl-C / SIGTERM is a clean stop


@pytest.fixture
def echo() -> Iterator[int]:
    yield from _serve(ECHO)


def _post(port: int, body: bytes) -> tuple[int, dict[str, str], object]:
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_make_invoke_gets_the_handlers_answer(echo: int, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "echo", "n": 7}))
    invoked = subprocess.run(
        ["bash", "images/invoke.sh"],
        cwd=ROOT,
        env={**os.environ, "EVENT": str(event), "RIE_PORT": str(echo)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert invoked.returncode == 0, invoked.stderr
    answer = json.loads(invoked.stdout)
    assert answer["event"] == {"action": "echo", "n": 7}
    assert answer["function_name"] == "echo"
    assert 0 < answer["remaining_ms"] <= 5000  # the function's timeout reached the runtime


def test_a_raised_error_is_a_function_error_and_the_runtime_serves_on(echo: int) -> None:
    status, headers, body = _post(echo, b'{"action": "raise", "message": "boom"}')
    assert status == 200
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert body["errorType"] == "FixtureError"  # type: ignore[index]
    assert body["errorMessage"] == "boom"  # type: ignore[index]
    assert _post(echo, b'{"n": 1}')[2]["event"] == {"n": 1}  # type: ignore[index]


def test_a_runtime_that_dies_fails_its_invocation_and_a_new_one_takes_the_next(echo: int) -> None:
    status, headers, body = _post(echo, b'{"action": "exit"}')
    assert status == 200
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"  # type: ignore[index]
    assert "status 3" in body["errorMessage"]  # type: ignore[index]
    answer = _post(echo, b'{"n": 2}')[2]
    assert answer["event"] == {"n": 2}  # type: ignore[index]


def test_a_body_that_is_not_json_is_refused(echo: int) -> None:
    status, _, body = _post(echo, b"{not json")
    assert status == 400
    assert body["errorType"] == "InvalidRequestContentException"  # type: ignore[index]


def test_a_handler_that_cannot_load_answers_its_init_error() -> None:
    for port in _serve(BROKEN):
        deadline = time.monotonic() + 30
        status, headers, body = _post(port, b"{}")
        while "errorType" not in body and time.monotonic() < deadline:  # type: ignore[operator]
            status, headers, body = _post(port, b"{}")
        assert status == 200
        assert headers["X-Amz-Function-Error"] == "Unhandled"
        assert body["errorType"].startswith("Runtime.")  # type: ignore[index]
