"""Wiring for the shipment consumer, built on first invocation."""

from __future__ import annotations

from typing import Any

from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import PaymentConfirmed
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingSettings, load_settings
from services.shipment.adapters import DynamoShipments
from services.shipment.carrier import SimulatedCarrier
from services.shipment.service import ship_order


class ShipmentSettings(PublishingSettings):
    SHIPMENTS_TABLE: str
    CARRIER_TABLE: str
    CARRIER_SIMULATOR_FAILURE_RATE: float = 0.0
    CARRIER_SIMULATOR_SEED: str = ""


def build(**overrides: Any) -> Wiring:
    settings = load_settings(ShipmentSettings)
    dynamodb = aws.client("dynamodb")
    parts: dict[str, Any] = {
        "shipments": DynamoShipments(dynamodb, settings.SHIPMENTS_TABLE),
        "carrier": SimulatedCarrier(
            dynamodb,
            settings.CARRIER_TABLE,
            failure_rate=settings.CARRIER_SIMULATOR_FAILURE_RATE,
            seed=settings.CARRIER_SIMULATOR_SEED,
        ),
        "publisher": SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
        **overrides,
    }

    def handle(event: Any, delivery: Delivery) -> None:
        if not isinstance(event, PaymentConfirmed):
            raise TypeError(f"shipment takes PAYMENT_CONFIRMED, not {event.status}")
        ship_order(event, reannounce=delivery.republished, **parts)

    return Wiring(handle=handle)
