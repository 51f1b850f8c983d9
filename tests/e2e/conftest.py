from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from services.local.settings import Options
from services.local.stack import LocalStack
from services.local.tools.client import aws_client, request
from services.local.tools.scenarios import order_body

DEADLINE = 60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The local stack on free ports, in its own state folder.

    Module-scoped: it must be gone before other tests start moto's in-process
    mock, which would otherwise capture its pollers' AWS calls."""
    options = Options(
        api_port=0,
        aws_port=0,
        state_dir=tmp_path_factory.mktemp("local"),
        retry_delay_seconds=0,
        quiet=True,
        deadline_seconds=30,
        sweep_interval_seconds=2,
        gateway_read_timeout_seconds=2,
    )
    with LocalStack(options) as running:
        yield running


@pytest.fixture
def state(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("ORDERFLOW_STATE_DIR", str(stack.options.state_dir))
    return json.loads((stack.options.state_dir / "stack.json").read_text())


def order(token: str = "tok_visa", country: str = "GB") -> dict[str, Any]:
    return order_body(token, country)


def post(
    stack: LocalStack, body: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    return request("POST", f"{stack.api_url}/orders", body, headers)


def eventually(probe: Callable[[], Any], deadline: float = DEADLINE, interval: float = 0.2) -> Any:
    """Poll `probe` until it returns something truthy, or fail at the deadline."""
    end = time.monotonic() + deadline
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not reached within {deadline}s")
        time.sleep(interval)


def emails_for(stack: LocalStack, order_id: str) -> list[str]:
    """Subjects of the .eml files written for one order."""
    import email
    from email import policy

    subjects = []
    for path in sorted(stack.emails_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = "".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        if order_id in text:
            subjects.append(str(message["Subject"]))
    return subjects


def table_item(state: dict[str, Any], table: str, order_id: str) -> dict[str, Any] | None:
    response = aws_client(state, "dynamodb").get_item(
        TableName=state["tables"][table], Key={"order_id": {"S": order_id}}
    )
    return response.get("Item")


class Recorder:
    """Everything the stack announces on its bus, for a test to look at."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in list(self.events) if isinstance(e, kind)]


@pytest.fixture
def bus_events(stack: LocalStack) -> Iterator[Recorder]:
    recorder = Recorder()
    unsubscribe = stack.bus.subscribe(recorder)
    yield recorder
    unsubscribe()
