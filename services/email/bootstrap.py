"""Wiring for the email consumer, built on first invocation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from services.email.adapters import SesSender
from services.email.service import notify_customer
from services.shared import aws
from services.shared.consumer import Wiring
from services.shared.events import Envelope
from services.shared.idempotency import Idempotency
from services.shared.observability import mask_email
from services.shared.settings import Settings, load_settings

log = Logger(child=True)


class EmailSettings(Settings):
    IDEMPOTENCY_TABLE: str
    EMAIL_SENDER: str
    EMAIL_CONFIGURATION_SET: str | None = None


def build() -> Wiring:
    settings = load_settings(EmailSettings)
    sender = SesSender(aws.client("ses"), settings.EMAIL_SENDER, settings.EMAIL_CONFIGURATION_SET)

    def handle(event: Envelope[Any]) -> None:
        message_id = notify_customer(event, sender=sender)
        # Never the full address in logs.
        log.info("Email sent", extra={"to": mask_email(event.data.customer.email), "message_id": message_id})

    return Wiring(
        handle=handle,
        idempotency=Idempotency(aws.client("dynamodb"), settings.IDEMPOTENCY_TABLE),
    )
