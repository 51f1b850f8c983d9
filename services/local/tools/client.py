"""Talk to a running `make run` stack: its HTTP API and its emulator.

Every request to the API carries an API key in `x-api-key`, as the local gateway requires (and
API Gateway does): the `api_key` a caller gives (a deployed API's), else the local stack's,
settings.local_api_key(). A tool that reads stack.json passes the key it holds (`state["api_key"]`),
so it reaches a stack started with another LOCAL_API_KEY than its own shell has."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.local.emulator.moto import client
from services.local.settings import (
    API_KEY_HEADER,
    API_PORT_ENV,
    AWS_PORT_ENV,
    STATE_DIR_ENV,
    local_api_key,
    state_dir,
)

STATE_FILE_NAME = "stack.json"


def state_file() -> Path:
    """Where a running stack describes itself (ORDERFLOW_STATE_DIR overrides .local/)."""
    return state_dir() / STATE_FILE_NAME


class NoStack(RuntimeError):
    def __init__(self, path: Path, detail: str = "") -> None:
        super().__init__(
            f"no local stack is running{detail} (looked for {path}). Start one with `make run` in "
            f"another terminal; a stack started with {STATE_DIR_ENV}=<dir> (e.g. with its own "
            f"{API_PORT_ENV} and {AWS_PORT_ENV}) is found with the same {STATE_DIR_ENV}=<dir> here."
        )


def load_state(path: Path | None = None) -> dict[str, Any]:
    """The running stack's state file: its addresses, tables and queues. NoStack if it is gone."""
    path = path or state_file()
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise NoStack(path) from None
    try:
        urllib.request.urlopen(f"{state['api_url']}/orders/ping", timeout=2)
    except urllib.error.HTTPError:
        pass  # it answered
    except OSError:
        raise NoStack(path, f" at {state['api_url']}") from None
    return state


def request(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    api_key: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request to the API with `api_key` (None: the local stack's key); its status, headers and
    JSON body."""
    data = None if body is None else json.dumps(body).encode()
    key = local_api_key() if api_key is None else api_key
    sent = {"Content-Type": "application/json", API_KEY_HEADER: key, **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def settled(order: Any) -> bool:
    """The order's saga has ended (complete), or it waits for a person (attention)."""
    return isinstance(order, dict) and bool(order.get("complete") or order.get("attention"))


def wait_for_terminal(
    api_url: str, order_id: str, deadline_seconds: float = 60, *, api_key: str | None = None
) -> dict[str, Any]:
    """Poll GET /orders/{id} until the saga ends or needs a person (or the deadline passes)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        _, _, order = request("GET", f"{api_url}/orders/{order_id}", api_key=api_key)
        if settled(order) or time.monotonic() > deadline:
            return dict(order or {})
        time.sleep(0.5)


def aws_client(state: dict[str, Any], name: str) -> Any:
    return client(state["endpoint"], name)


def post_order(
    api_url: str,
    body: dict[str, Any],
    idempotency_key: str,
    *,
    give_up_after: float = 120.0,
    on_attempt: Callable[[str], None] | None = None,
    api_key: str | None = None,
) -> tuple[int | None, Any]:
    """POST /orders as a careful client does: the same Idempotency-Key on every attempt, retried
    on 5xx, 408, 409 and broken connections (after the API's Retry-After when it gives one, else
    a pause doubling up to 4 s) until it answers 201 or refuses for good. Returns the last
    (status, body); status None: no answer before `give_up_after`. `on_attempt` hears each
    attempt's status, or the error's name. `api_key`: as request()'s."""
    deadline, pause = time.monotonic() + give_up_after, 0.5
    status: int | None = None
    answer: Any = None
    while time.monotonic() < deadline:
        try:
            status, headers, answer = request(
                "POST", f"{api_url}/orders", body, {"Idempotency-Key": idempotency_key}, api_key=api_key
            )
        except (urllib.error.URLError, OSError, ValueError) as error:
            status, answer = None, None
            if on_attempt:
                on_attempt(type(error).__name__)
        else:
            if on_attempt:
                on_attempt(str(status))
            if status == 201 or (status < 500 and status not in (408, 409)):
                return status, answer  # placed, or a refusal that is final
            retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
            pause = float(retry_after) if retry_after is not None else pause
        time.sleep(pause)
        pause = min(pause * 2, 4.0)
    return status, answer
