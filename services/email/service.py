"""Use case: tell the customer what happened to their order, at most once per order and status."""

from __future__ import annotations

from typing import Any, Protocol

from services.email.domain import Claim, DeliveryUncertain, EmailRejected, Notification, notification_key
from services.email.templates import Email, render
from services.shared.events import Envelope


class EmailSender(Protocol):
    def send(self, email: Email) -> str:
        """Send `email`; the provider's message id. Raises EmailRejected (permanent),
        DeliveryUncertain (may have been sent), or a transient error (not sent: retry)."""
        ...


class Notifications(Protocol):
    def claim(self, key: str) -> Claim | Notification:
        """Claim the right to send; or what became of an earlier claim. Raises ClaimHeld while
        another attempt holds a fresh claim."""
        ...

    def finish(self, claim: Claim, notification: Notification) -> None: ...

    def release(self, claim: Claim) -> None:
        """Nothing was sent: give the claim up, so a retry may send."""
        ...


def notify_customer(
    event: Envelope[Any], *, sender: EmailSender, notifications: Notifications
) -> tuple[Notification, bool]:
    """The notification, and whether this call decided it (False: an earlier delivery did).

    A transient failure before the mail service took the message gives the claim back and
    raises, so SQS retries. A permanent rejection and an uncertain send are outcomes: retrying
    the first is useless, retrying the second may send the customer the same email twice."""
    claimed = notifications.claim(notification_key(event.order_id, event.status.value))
    if isinstance(claimed, Notification):
        return claimed, False
    try:
        notification = Notification("sent", message_id=sender.send(render(event)))
    except EmailRejected as rejected:
        notification = Notification("rejected", reason=str(rejected))
    except DeliveryUncertain as uncertain:
        notification = Notification("uncertain", reason=str(uncertain))
    except Exception:
        notifications.release(claimed)
        raise
    notifications.finish(claimed, notification)
    return notification, True
