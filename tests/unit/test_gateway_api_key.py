"""The local gateway requires the API key as API Gateway does (terraform: `api_key_required` on every
method): without `x-api-key`, or with another key, 403 `{"message": "Forbidden"}` before the
function is invoked, whatever the body. A gateway in front of a fake function, so each test sees
whether the request reached it."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.local.gateway.http import Gateway
from services.local.runtime import InvocationResult
from services.local.settings import DEFAULT_API_KEY, LocalSettings, Options, local_api_key
from services.shared.settings import ConfigurationError, load_settings

KEY = "a-key-of-twenty-chars-or-more"
OPERATIONS = [("POST", "/orders"), ("GET", "/orders/ord_0123"), ("GET", "/openapi.json")]


class Function:
    """Answers every invocation 200 and keeps the events it was given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> InvocationResult:
        self.events.append(event)
        payload = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}
        return InvocationResult("req-1", True, payload, None, 1.0)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Gateway, Function]]:
    function = Function()
    running = Gateway(function, 0, api_key=KEY)
    running.start()
    yield running, function
    running.stop()


@pytest.fixture
def gateway(served: tuple[Gateway, Function]) -> Gateway:
    return served[0]


@pytest.fixture
def function(served: tuple[Gateway, Function]) -> Function:
    served[1].events.clear()
    return served[1]


def send(
    gateway: Gateway, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def assert_forbidden(answer: tuple[int, dict[str, str], bytes]) -> None:
    status, headers, body = answer
    assert status == 403
    assert headers["content-type"] == "application/json"
    assert body == b'{"message": "Forbidden"}'
    assert json.loads(body) == {"message": "Forbidden"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_without_a_key_every_operation_is_forbidden_and_the_function_never_runs(
    gateway: Gateway, function: Function, method: str, path: str
) -> None:
    assert_forbidden(send(gateway, method, path, {}))
    assert function.events == []


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("wrong", ["", "nope", KEY.upper(), KEY + "x", KEY[:-1]])
def test_another_key_is_forbidden(
    gateway: Gateway, function: Function, method: str, path: str, wrong: str
) -> None:
    assert_forbidden(send(gateway, method, path, {"x-api-key": wrong}))
    assert function.events == []


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("name", ["x-api-key", "X-API-Key", "X-Api-Key", "X-API-KEY"])
def test_the_key_reaches_the_function_under_any_case_of_the_header_name(
    gateway: Gateway, function: Function, method: str, path: str, name: str
) -> None:
    status, _, body = send(gateway, method, path, {name: KEY})
    assert (status, json.loads(body)) == (200, {"ok": True})
    (event,) = function.events
    assert (event["httpMethod"], event["path"]) == (method, path.split("?")[0])


@pytest.mark.parametrize("body", [b"{oops", b"\xff\xfe", b"[" * 5000])
def test_a_bad_body_without_a_key_is_403_not_400(gateway: Gateway, function: Function, body: bytes) -> None:
    assert_forbidden(send(gateway, "POST", "/orders", {"Content-Type": "application/json"}, body))
    assert function.events == []


def test_unknown_paths_and_methods_need_the_key_too(gateway: Gateway, function: Function) -> None:
    """API Gateway answers 403 to anything without a key; with one, the function answers 404/405."""
    assert_forbidden(send(gateway, "GET", "/nowhere", {}))
    assert_forbidden(send(gateway, "DELETE", "/orders", {}))
    assert function.events == []
    assert send(gateway, "DELETE", "/orders", {"x-api-key": KEY})[0] == 200
    assert len(function.events) == 1


def test_a_refused_request_leaves_the_connection_usable(gateway: Gateway, function: Function) -> None:
    """The refused body was read, so the next request on the same connection is understood."""
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", "/orders", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
        first = connection.getresponse()
        assert (first.status, first.read()) == (403, b'{"message": "Forbidden"}')
        connection.request("GET", "/openapi.json", headers={"x-api-key": KEY})
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_the_default_key_is_one_api_gateway_would_take(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_API_KEY", raising=False)
    assert local_api_key() == DEFAULT_API_KEY == Options().api_key
    assert 20 <= len(DEFAULT_API_KEY) <= 128


def test_local_api_key_overrides_it_when_the_stack_is_made_not_at_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCAL_API_KEY", KEY)
    assert local_api_key() == KEY
    assert Options().api_key == KEY


@pytest.mark.parametrize(
    "bad", ["short", "x" * 129, "twenty characters with spaces", "ключ-ключ-ключ-ключ-ключ"]
)
def test_a_key_api_gateway_would_refuse_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("LOCAL_API_KEY", bad)
    with pytest.raises(ConfigurationError, match="LOCAL_API_KEY"):
        load_settings(LocalSettings)
    with pytest.raises(ConfigurationError, match="LOCAL_API_KEY"):
        Options()


def test_make_run_with_a_bad_local_api_key_stops_before_starting_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from services.local.__main__ import main

    monkeypatch.setenv("LOCAL_API_KEY", "short")
    assert main(["--api-port", "0", "--aws-port", "0", "--state-dir", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: LocalSettings: environment variable LOCAL_API_KEY")
    assert not (tmp_path / "emails").exists()
