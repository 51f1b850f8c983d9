"""Wiring for the invoice consumer, built on first invocation."""

from __future__ import annotations

from services.invoice.adapters import DynamoInvoices
from services.invoice.service import issue_invoice
from services.shared import aws
from services.shared.consumer import Wiring
from services.shared.idempotency import Idempotency
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingConsumerSettings, load_settings


class InvoiceSettings(PublishingConsumerSettings):
    INVOICES_TABLE: str


def build() -> Wiring:
    settings = load_settings(InvoiceSettings)
    dynamodb = aws.client("dynamodb")
    invoices = DynamoInvoices(dynamodb, settings.INVOICES_TABLE)
    publisher = SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN)
    return Wiring(
        handle=lambda event: issue_invoice(event, invoices=invoices, publisher=publisher),
        idempotency=Idempotency(dynamodb, settings.IDEMPOTENCY_TABLE),
    )
