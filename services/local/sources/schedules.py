"""A schedule that invokes a function with EventBridge's scheduled event, like the rule Terraform
creates (every `rate_minutes` there; every few seconds here, so a stuck order shows up soon)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from services.local.bus import Bus, Notice
from services.local.runtime import InvocationResult
from services.local.settings import ACCOUNT_ID, REGION


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any]) -> InvocationResult: ...


def scheduled_event(rule: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


class Schedule:
    def __init__(self, name: str, invoker: Invoker, interval_seconds: float, bus: Bus) -> None:
        self.name = name
        self._invoker = invoker
        self._interval = interval_seconds
        self._bus = bus

    def run(self, stopping: threading.Event) -> None:
        while not stopping.wait(self._interval):
            result = self._invoker.invoke(scheduled_event(self.name))
            if not result.ok:
                error = result.error or {}
                self._bus.publish(
                    Notice(f"! {self.name}: {error.get('errorType')}: {error.get('errorMessage')}")
                )
