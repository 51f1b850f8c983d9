"""Wiring for the billing consumer, built on first invocation."""

from __future__ import annotations

from services.billing.adapters import DynamoPayments
from services.billing.provider import SimulatedPaymentProvider
from services.billing.service import charge_invoice
from services.shared import aws
from services.shared.consumer import Wiring
from services.shared.idempotency import Idempotency
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingConsumerSettings, load_settings


class BillingSettings(PublishingConsumerSettings):
    PAYMENTS_TABLE: str


def build() -> Wiring:
    settings = load_settings(BillingSettings)
    dynamodb = aws.client("dynamodb")
    payments = DynamoPayments(dynamodb, settings.PAYMENTS_TABLE)
    provider = SimulatedPaymentProvider()
    publisher = SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN)
    return Wiring(
        handle=lambda event: charge_invoice(event, payments=payments, provider=provider, publisher=publisher),
        idempotency=Idempotency(dynamodb, settings.IDEMPOTENCY_TABLE),
    )
