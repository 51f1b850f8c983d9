"""Use case: tell the customer what happened to their order."""

from __future__ import annotations

from typing import Any, Protocol

from services.email.templates import Email, render
from services.shared.events import Envelope


class EmailSender(Protocol):
    def send(self, email: Email) -> str:
        """Send `email`; return the provider's message id."""
        ...


def notify_customer(event: Envelope[Any], *, sender: EmailSender) -> str:
    return sender.send(render(event))
