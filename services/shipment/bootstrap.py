"""Wiring for the shipment consumer, built on first invocation."""

from __future__ import annotations

from services.shared import aws
from services.shared.consumer import Wiring
from services.shared.idempotency import Idempotency
from services.shared.publishing import SnsPublisher
from services.shared.settings import PublishingConsumerSettings, load_settings
from services.shipment.adapters import DynamoShipments
from services.shipment.carrier import SimulatedCarrier
from services.shipment.service import ship_order


class ShipmentSettings(PublishingConsumerSettings):
    SHIPMENTS_TABLE: str


def build() -> Wiring:
    settings = load_settings(ShipmentSettings)
    dynamodb = aws.client("dynamodb")
    shipments = DynamoShipments(dynamodb, settings.SHIPMENTS_TABLE)
    publisher = SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN)
    carrier = SimulatedCarrier()
    return Wiring(
        handle=lambda event: ship_order(event, shipments=shipments, carrier=carrier, publisher=publisher),
        idempotency=Idempotency(dynamodb, settings.IDEMPOTENCY_TABLE),
    )
