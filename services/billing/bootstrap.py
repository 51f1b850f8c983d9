"""Wiring for the billing consumer, built on first invocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.billing.adapters import DynamoPayments, DynamoPaymentTokens
from services.billing.provider import DEFAULT_AUTHORIZATION_TTL_SECONDS, SimulatedPaymentProvider
from services.billing.service import (
    PaymentProvider,
    Payments,
    PaymentTokens,
    authorize_payment,
    settle_payment,
)
from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import InvoiceCreated, ShipmentError, Shipped
from services.shared.publishing import EventPublisher, SnsPublisher
from services.shared.settings import PublishingSettings, load_settings


class BillingSettings(PublishingSettings):
    PAYMENTS_TABLE: str
    ORDERS_TABLE: str
    PAYMENT_PROVIDER_TABLE: str
    # The simulated provider's knobs (services/billing/provider.py).
    PAYMENT_AUTHORIZATION_TTL_SECONDS: int = DEFAULT_AUTHORIZATION_TTL_SECONDS
    PAYMENT_SIMULATOR_FAILURE_RATE: float = 0.0
    PAYMENT_SIMULATOR_SEED: str = ""


@dataclass(frozen=True)
class Dependencies:
    payments: Payments
    tokens: PaymentTokens
    provider: PaymentProvider
    publisher: EventPublisher


def dependencies() -> Dependencies:
    """The real ones, from the validated settings."""
    settings = load_settings(BillingSettings)
    dynamodb = aws.client("dynamodb")
    return Dependencies(
        payments=DynamoPayments(dynamodb, settings.PAYMENTS_TABLE),
        tokens=DynamoPaymentTokens(dynamodb, settings.ORDERS_TABLE),
        provider=SimulatedPaymentProvider(
            dynamodb,
            settings.PAYMENT_PROVIDER_TABLE,
            authorization_ttl_seconds=settings.PAYMENT_AUTHORIZATION_TTL_SECONDS,
            failure_rate=settings.PAYMENT_SIMULATOR_FAILURE_RATE,
            seed=settings.PAYMENT_SIMULATOR_SEED,
        ),
        publisher=SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
    )


def build(deps: Dependencies | None = None) -> Wiring:
    """The consumer's wiring: with `deps` (tests pass fakes), else the real dependencies."""
    deps = deps or dependencies()

    def handle(event: Any, delivery: Delivery) -> None:
        again = delivery.republished
        match event:
            case InvoiceCreated():
                authorize_payment(
                    event,
                    payments=deps.payments,
                    tokens=deps.tokens,
                    provider=deps.provider,
                    publisher=deps.publisher,
                    reannounce=again,
                )
            case Shipped() | ShipmentError():
                settle_payment(
                    event,
                    payments=deps.payments,
                    provider=deps.provider,
                    publisher=deps.publisher,
                    reannounce=again,
                )
            case _:
                raise TypeError(f"billing does not take {event.status}")

    return Wiring(handle=handle)
