"""The careful client the bench and the chaos runner place orders with."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.local.tools.client import post_order


@pytest.fixture
def api() -> Iterator[tuple[str, list[tuple[int, str | None]], list[str]]]:
    """An API that answers each POST with the next (status, Retry-After) of `script`."""
    script: list[tuple[int, str | None]] = []
    keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            keys.append(self.headers["Idempotency-Key"])
            status, retry_after = script.pop(0)
            body = json.dumps({"order_id": "ord_1"} if status == 201 else {"message": "no"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if retry_after is not None:
                self.send_header("retry-after", retry_after)  # any case, as HTTP allows
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script, keys
    server.shutdown()


def test_retries_with_the_same_key_until_placed(api: tuple[str, list, list]) -> None:
    url, script, keys = api
    script += [(503, "0"), (409, "0"), (500, "0"), (201, None)]
    attempts: list[str] = []
    status, answer = post_order(url, {"x": 1}, "k-1", on_attempt=attempts.append)
    assert (status, answer) == (201, {"order_id": "ord_1"})
    assert attempts == ["503", "409", "500", "201"]
    assert keys == ["k-1"] * 4


def test_a_refusal_is_final(api: tuple[str, list, list]) -> None:
    url, script, keys = api
    script += [(422, None), (201, None)]
    assert post_order(url, {}, "k-2") == (422, {"message": "no"})
    assert keys == ["k-2"]


def test_gives_up_when_nothing_answers() -> None:
    attempts: list[str] = []
    status, answer = post_order(
        "http://127.0.0.1:9", {}, "k-3", give_up_after=0.3, on_attempt=attempts.append
    )
    assert (status, answer) == (None, None)
    assert attempts
    assert all(a in ("URLError", "ConnectionRefusedError") for a in attempts)
