"""Wiring for the invoice consumer, built on first invocation."""

from __future__ import annotations

from typing import Any

from services.invoice.adapters import DynamoInvoices
from services.invoice.service import issue_invoice
from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import OrderCreated
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingSettings, load_settings


class InvoiceSettings(PublishingSettings):
    INVOICES_TABLE: str
    # Gapless series the numbers are spread over (1-26): raise it when one counter's partition
    # is the limit (services/invoice/domain.py).
    INVOICE_SERIES: int = 1


def build(**overrides: Any) -> Wiring:
    settings = load_settings(InvoiceSettings)
    parts: dict[str, Any] = {
        "invoices": DynamoInvoices(
            aws.client("dynamodb"), settings.INVOICES_TABLE, series=settings.INVOICE_SERIES
        ),
        "publisher": SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
        **overrides,
    }

    def handle(event: Any, delivery: Delivery) -> None:
        if not isinstance(event, OrderCreated):
            raise TypeError(f"invoice takes ORDER_CREATED, not {event.status}")
        issue_invoice(event, reannounce=delivery.republished, **parts)

    return Wiring(handle=handle)
