"""Wiring for the billing consumer, built on first invocation."""

from __future__ import annotations

from typing import Any

from services.billing.adapters import DynamoPayments, DynamoPaymentTokens
from services.billing.provider import DEFAULT_AUTHORIZATION_TTL_SECONDS, SimulatedPaymentProvider
from services.billing.service import authorize_payment, settle_payment
from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import InvoiceCreated, ShipmentError, Shipped
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingSettings, load_settings


class BillingSettings(PublishingSettings):
    PAYMENTS_TABLE: str
    ORDERS_TABLE: str
    PAYMENT_PROVIDER_TABLE: str
    # The simulated provider's knobs (services/billing/provider.py).
    PAYMENT_AUTHORIZATION_TTL_SECONDS: int = DEFAULT_AUTHORIZATION_TTL_SECONDS
    PAYMENT_SIMULATOR_FAILURE_RATE: float = 0.0
    PAYMENT_SIMULATOR_SEED: str = ""


def build(**overrides: Any) -> Wiring:
    settings = load_settings(BillingSettings)
    dynamodb = aws.client("dynamodb")
    parts: dict[str, Any] = {
        "payments": DynamoPayments(dynamodb, settings.PAYMENTS_TABLE),
        "tokens": DynamoPaymentTokens(dynamodb, settings.ORDERS_TABLE),
        "provider": SimulatedPaymentProvider(
            dynamodb,
            settings.PAYMENT_PROVIDER_TABLE,
            authorization_ttl_seconds=settings.PAYMENT_AUTHORIZATION_TTL_SECONDS,
            failure_rate=settings.PAYMENT_SIMULATOR_FAILURE_RATE,
            seed=settings.PAYMENT_SIMULATOR_SEED,
        ),
        "publisher": SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
        **overrides,
    }

    def handle(event: Any, delivery: Delivery) -> None:
        common = {k: parts[k] for k in ("payments", "provider", "publisher")}
        match event:
            case InvoiceCreated():
                authorize_payment(event, tokens=parts["tokens"], reannounce=delivery.republished, **common)
            case Shipped() | ShipmentError():
                settle_payment(event, reannounce=delivery.republished, **common)
            case _:
                raise TypeError(f"billing does not take {event.status}")

    return Wiring(handle=handle)
