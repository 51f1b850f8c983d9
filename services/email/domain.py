"""At most one email per order and status, and what became of it.

A notification is claimed before it is sent (a conditional write), and its outcome recorded
after: sent, refused for good by the mail service, or uncertain. Uncertain means the request may
have reached the mail service (a timeout), or an earlier attempt stopped between its claim and
its record (a crash): sending again could send twice, so it is not sent again, and the outcome
says so (a log line and a metric, never silence).
"""

from __future__ import annotations

from dataclasses import dataclass


class EmailRejected(Exception):
    """The mail service refuses this message for good (unverified or suppressed recipient...)."""


class DeliveryUncertain(Exception):
    """The request may have reached the mail service: sending again might send it twice."""


class ClaimHeld(RuntimeError):
    """Another attempt is sending this email right now: transient, the message is retried."""


@dataclass(frozen=True)
class Notification:
    outcome: str  # "sent" | "rejected" | "uncertain"
    message_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Claim:
    """This attempt's right to send one order's email for one status."""

    key: str
    attempt: str


def notification_key(order_id: str, status: str) -> str:
    return f"{order_id}#{status}"
