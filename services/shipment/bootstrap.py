"""Wiring for the shipment consumer, built on first invocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.shared import aws
from services.shared.consumer import Delivery, Wiring
from services.shared.events import PaymentConfirmed
from services.shared.publishing import EventPublisher, SnsPublisher
from services.shared.settings import PublishingSettings, load_settings
from services.shipment.adapters import DynamoShipments
from services.shipment.carrier import SimulatedCarrier
from services.shipment.service import Carrier, Shipments, ship_order


class ShipmentSettings(PublishingSettings):
    SHIPMENTS_TABLE: str
    CARRIER_TABLE: str
    CARRIER_SIMULATOR_FAILURE_RATE: float = 0.0
    CARRIER_SIMULATOR_SEED: str = ""


@dataclass(frozen=True)
class Dependencies:
    shipments: Shipments
    carrier: Carrier
    publisher: EventPublisher


def dependencies() -> Dependencies:
    """The real ones, from the validated settings."""
    settings = load_settings(ShipmentSettings)
    dynamodb = aws.client("dynamodb")
    return Dependencies(
        shipments=DynamoShipments(dynamodb, settings.SHIPMENTS_TABLE),
        carrier=SimulatedCarrier(
            dynamodb,
            settings.CARRIER_TABLE,
            failure_rate=settings.CARRIER_SIMULATOR_FAILURE_RATE,
            seed=settings.CARRIER_SIMULATOR_SEED,
        ),
        publisher=SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
    )


def build(deps: Dependencies | None = None) -> Wiring:
    """The consumer's wiring: with `deps` (tests pass fakes), else the real dependencies."""
    deps = deps or dependencies()

    def handle(event: Any, delivery: Delivery) -> None:
        if not isinstance(event, PaymentConfirmed):
            raise TypeError(f"shipment takes PAYMENT_CONFIRMED, not {event.status}")
        ship_order(
            event,
            shipments=deps.shipments,
            carrier=deps.carrier,
            publisher=deps.publisher,
            reannounce=delivery.republished,
        )

    return Wiring(handle=handle)
