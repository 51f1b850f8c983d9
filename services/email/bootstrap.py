"""Wiring for the email consumer, built on first invocation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from services.email.adapters import DynamoNotifications, SesSender
from services.email.service import EmailSender, Notifications, notify_customer
from services.shared import aws, observability
from services.shared.consumer import Delivery, Wiring
from services.shared.events import Envelope
from services.shared.observability import child_logger, mask_email
from services.shared.settings import Settings, load_settings
from services.shared.topology import load_topology

log = child_logger("email")


class EmailSettings(Settings):
    NOTIFICATIONS_TABLE: str
    EMAIL_SENDER: str
    EMAIL_CONFIGURATION_SET: str | None = None


@dataclass(frozen=True)
class Dependencies:
    sender: EmailSender
    notifications: Notifications


def dependencies() -> Dependencies:
    """The real ones, from the validated settings."""
    settings = load_settings(EmailSettings)
    return Dependencies(
        sender=SesSender(
            aws.client("ses", retry=False), settings.EMAIL_SENDER, settings.EMAIL_CONFIGURATION_SET
        ),
        notifications=DynamoNotifications(
            aws.client("dynamodb"),
            settings.NOTIFICATIONS_TABLE,
            claim_expires_after=load_topology().function("email").timeout_seconds,
        ),
    )


def build(deps: Dependencies | None = None) -> Wiring:
    """The consumer's wiring: with `deps` (tests pass fakes), else the real dependencies."""
    deps = deps or dependencies()

    def handle(event: Envelope[Any], _delivery: Delivery) -> None:
        notification, decided = notify_customer(event, sender=deps.sender, notifications=deps.notifications)
        if not decided:
            return  # a redelivery, a nudge or a forged copy: this email was settled before
        # Never the full address in logs.
        facts = {"to": mask_email(event.data.customer.email), **asdict(notification)}
        observability.count(observability.EMAIL_OUTCOMES[notification.outcome])
        if notification.outcome == "sent":
            # DEBUG: the notification's record (with SES's message id) and the EmailsSent metric
            # already say it; at INFO four such lines per order were a third of its log bytes.
            log.debug("Email sent", extra=facts)
        else:
            log.warning(f"Email {notification.outcome}: it is not sent again", extra=facts)

    return Wiring(handle=handle)
