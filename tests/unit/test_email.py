"""The email use case: at most one email per order and status, whatever fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.email.domain import ClaimHeld, DeliveryUncertain, EmailRejected
from services.email.service import notify_customer
from services.shared.events import parse_event
from tests.fakes import FakeNotifications, FakeSender
from tests.support import body_of

SHIPPED = parse_event(json.dumps(body_of("sqs_shipped.json")))


def notify(sender: FakeSender, notifications: FakeNotifications, event: Any = SHIPPED) -> Any:
    return notify_customer(event, sender=sender, notifications=notifications)


def test_sent_once_whatever_the_event_id() -> None:
    sender, notifications = FakeSender(), FakeNotifications()
    first, decided = notify(sender, notifications)
    assert (first.outcome, decided) == ("sent", True)
    again, decided = notify(sender, notifications, SHIPPED.model_copy(update={"event_id": "forged"}))
    assert (again.outcome, decided) == ("sent", False)
    assert len(sender.sent) == 1


def test_a_transient_failure_gives_the_claim_back_so_a_retry_sends() -> None:
    sender, notifications = FakeSender(ConnectionError("SES unavailable")), FakeNotifications()
    with pytest.raises(ConnectionError):
        notify(sender, notifications)
    assert notify(sender, notifications)[0].outcome == "sent"
    assert len(sender.sent) == 1


def test_an_uncertain_send_is_never_repeated() -> None:
    sender, notifications = FakeSender(DeliveryUncertain("read timeout")), FakeNotifications()
    outcome, decided = notify(sender, notifications)
    assert (outcome.outcome, decided) == ("uncertain", True)
    assert notify(sender, notifications)[0].outcome == "uncertain"
    assert sender.sent == []


def test_a_permanent_rejection_is_recorded_with_its_reason_and_not_retried() -> None:
    sender, notifications = FakeSender(EmailRejected("MessageRejected: not verified")), FakeNotifications()
    outcome, _ = notify(sender, notifications)
    assert outcome.outcome == "rejected"
    assert "not verified" in (outcome.reason or "")
    assert notify(sender, notifications)[0].outcome == "rejected"
    assert sender.sent == []


def test_a_claim_another_attempt_holds_is_retried_later() -> None:
    notifications = FakeNotifications()
    notifications.items[f"{SHIPPED.order_id}#SHIPPED"] = "sending"
    with pytest.raises(ClaimHeld):
        notify(FakeSender(), notifications)
