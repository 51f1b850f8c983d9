"""The local API Gateway at the socket level: whatever arrives, a 4xx with the JSON error body,
never a 5xx, a dropped connection or a hang. Every request carries the stack's API key (`key`),
so each is refused for what it tests, not for a missing key; the last tests are about the key."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from services.local.stack import LocalStack
from services.local.tools.scenarios import order_body

pytestmark = pytest.mark.e2e


def exchange(stack: LocalStack, raw: bytes, timeout: float = 15) -> tuple[int, dict[str, str], Any, float]:
    """Send raw bytes, read one response; its status, headers, JSON body and how long it took."""
    host, port = stack.api_url.removeprefix("http://").split(":")
    started = time.monotonic()
    data = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(raw)
        while chunk := conn.recv(65536):
            data += chunk
            head, separator, rest = data.partition(b"\r\n\r\n")
            sizes = [
                h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")
            ]
            if separator and sizes and len(rest) >= int(sizes[0]):
                break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    return status, headers, json.loads(body) if body else None, time.monotonic() - started


def key(stack: LocalStack) -> str:
    """The API key header line every request needs (API Gateway's api_key_required)."""
    return f"x-api-key: {stack.options.api_key}\r\n"


def post_raw(stack: LocalStack, body: bytes, extra: str = "", length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (
        f"POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n{key(stack)}{extra}\r\n"
    ).encode() + body


def test_a_body_that_is_not_utf8_is_400(stack: LocalStack) -> None:
    status, headers, body, _ = exchange(stack, post_raw(stack, b'{"customer": "\xff\xfe\xfa"}'))
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert "UTF-8" in body["message"]


def test_a_body_nested_5000_deep_is_400(stack: LocalStack) -> None:
    status, _, body, _ = exchange(stack, post_raw(stack, b"[" * 5000 + b"]" * 5000))
    assert status == 400
    assert "nested" in body["message"]


def test_a_quantity_of_5001_digits_is_422_on_its_field(stack: LocalStack) -> None:
    raw = json.dumps(order_body()).replace('"quantity": 2', '"quantity": ' + "7" * 5001).encode()
    status, _, body, _ = exchange(stack, post_raw(stack, raw))
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["items[0].quantity"]


def test_control_characters_in_a_name_are_422(stack: LocalStack) -> None:
    request = order_body()
    request["customer"]["name"] = "\x00\x01"
    status, _, body, _ = exchange(stack, post_raw(stack, json.dumps(request).encode()))
    assert status == 422
    assert "customer.name" in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("length", ["-1", "abc", "1e3"])
def test_a_bad_content_length_is_400(stack: LocalStack, length: str) -> None:
    raw = f"POST /orders HTTP/1.1\r\nHost: x\r\n{key(stack)}Content-Length: {length}\r\n\r\n{{}}".encode()
    status, _, body, seconds = exchange(stack, raw)
    assert status == 400
    assert "Content-Length" in body["message"]
    assert seconds < 2


def test_a_body_shorter_than_its_content_length_times_out_with_408(stack: LocalStack) -> None:
    status, _, body, seconds = exchange(stack, post_raw(stack, b'{"a": 1}', length=500))
    assert status == 408
    assert body["message"]
    assert seconds < stack.options.gateway_read_timeout_seconds + 3


def test_a_payload_over_api_gateways_limit_is_413_unread(stack: LocalStack) -> None:
    raw = (
        f"POST /orders HTTP/1.1\r\nHost: x\r\n{key(stack)}Content-Length: {11 * 1024 * 1024}\r\n\r\n".encode()
    )
    status, _, body, seconds = exchange(stack, raw)
    assert status == 413
    assert "too large" in body["message"]
    assert seconds < 2


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_other_methods_are_405_with_json(stack: LocalStack, method: str) -> None:
    raw = f"{method} /orders HTTP/1.1\r\nHost: x\r\n{key(stack)}Content-Length: 0\r\n\r\n".encode()
    status, headers, body, _ = exchange(stack, raw)
    assert status == 405
    assert headers["allow"] == "POST"
    assert headers["content-type"] == "application/json"
    assert method in body["message"]


def test_head_is_405_without_a_body(stack: LocalStack) -> None:
    host, port = stack.api_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"HEAD /orders/ord_x HTTP/1.1\r\nHost: x\r\n{key(stack)}\r\n".encode())
        time.sleep(0.5)
        data = conn.recv(65536)
    assert data.startswith(b"HTTP/1.1 405")
    assert data.endswith(b"\r\n\r\n")  # headers only


def test_a_malformed_request_line_is_400_json(stack: LocalStack) -> None:
    status, headers, body, _ = exchange(stack, b"GARBAGE\r\n\r\n")
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert "message" in body


OPERATIONS = [
    ("POST", "/orders"),
    ("GET", "/orders/ord_00000000000000000000000000000000"),
    ("GET", "/openapi.json"),
]


def without_key(method: str, path: str, extra: str = "", body: bytes = b"") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def assert_forbidden(stack: LocalStack, raw: bytes) -> None:
    status, headers, body, _ = exchange(stack, raw)
    assert (status, headers["content-type"], body) == (403, "application/json", {"message": "Forbidden"})


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_without_the_api_key_every_operation_is_403_forbidden(
    stack: LocalStack, method: str, path: str
) -> None:
    assert_forbidden(stack, without_key(method, path))


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("wrong", ["not-the-key", "LOCAL-ORDERFLOW-API-KEY"])
def test_another_api_key_is_403_forbidden(stack: LocalStack, method: str, path: str, wrong: str) -> None:
    assert_forbidden(stack, without_key(method, path, f"x-api-key: {wrong}\r\n"))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/orders", 422),
        ("GET", "/orders/ord_00000000000000000000000000000000", 404),
        ("GET", "/openapi.json", 200),
    ],
)
def test_with_the_api_key_each_operation_answers_as_usual(
    stack: LocalStack, method: str, path: str, status: int
) -> None:
    """The header name in any case, as HTTP has it; `{}` is no order (422), the id no order (404)."""
    name = "X-API-Key"
    raw = without_key(
        method, path, f"{name}: {stack.options.api_key}\r\n", b"{}" if method == "POST" else b""
    )
    assert exchange(stack, raw)[0] == status


def test_a_bad_body_without_the_key_is_403_not_400(stack: LocalStack) -> None:
    """API Gateway refuses the key before the function reads the body."""
    assert_forbidden(stack, without_key("POST", "/orders", body=b"{oops"))
    assert exchange(stack, post_raw(stack, b"{oops"))[0] == 400
