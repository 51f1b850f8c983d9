from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from services.billing import handler as billing
from services.email import handler as email
from services.invoice import handler as invoice
from services.order import bootstrap as order_bootstrap
from services.order import events as order_events
from services.shared.topology import load_topology
from services.shipment import handler as shipment

CONSUMERS = {
    "invoice": invoice,
    "billing": billing,
    "shipment": shipment,
    "email": email,
    "order-status": order_events,
}


@pytest.fixture(autouse=True)
def _fresh_wiring() -> Iterator[None]:
    """Each test builds its functions' wiring anew, from its own environment."""
    yield
    order_bootstrap.api.cache_clear()
    for module in CONSUMERS.values():
        module.consumer.reset()


@pytest.fixture
def function_env(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """Give the process one function's environment, as Terraform would."""

    def use(name: str) -> dict[str, str]:
        env = aws["stack"].environment(load_topology().function(name))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        order_bootstrap.api.cache_clear()
        for module in CONSUMERS.values():
            module.consumer.reset()
        return env

    return use


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in a queue, parsed (and deleted)."""
    bodies = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def published(aws: dict[str, Any]) -> Callable[[str], list[dict[str, Any]]]:
    """What reached one consumer's queue through the topic and its filter policy."""
    stack = aws["stack"]
    return lambda consumer: drain(aws["sqs"], stack.queue_urls[consumer])
