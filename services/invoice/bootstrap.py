"""Wiring for the invoice consumer, built on first invocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.invoice.adapters import DynamoInvoices
from services.invoice.service import Invoices, issue_invoice
from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import OrderCreated
from services.shared.publishing import EventPublisher, SnsPublisher
from services.shared.settings import PublishingSettings, load_settings


class InvoiceSettings(PublishingSettings):
    INVOICES_TABLE: str
    # Gapless series the numbers are spread over (1-26): raise it when one counter's partition
    # is the limit (services/invoice/domain.py).
    INVOICE_SERIES: int = 1


@dataclass(frozen=True)
class Dependencies:
    invoices: Invoices
    publisher: EventPublisher


def dependencies() -> Dependencies:
    """The real ones, from the validated settings."""
    settings = load_settings(InvoiceSettings)
    return Dependencies(
        invoices=DynamoInvoices(
            aws.client("dynamodb"), settings.INVOICES_TABLE, series=settings.INVOICE_SERIES
        ),
        publisher=SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
    )


def build(deps: Dependencies | None = None) -> Wiring:
    """The consumer's wiring: with `deps` (tests pass fakes), else the real dependencies."""
    deps = deps or dependencies()

    def handle(event: Any, delivery: Delivery) -> None:
        if not isinstance(event, OrderCreated):
            raise TypeError(f"invoice takes ORDER_CREATED, not {event.status}")
        issue_invoice(
            event, invoices=deps.invoices, publisher=deps.publisher, reannounce=delivery.republished
        )

    return Wiring(handle=handle)
