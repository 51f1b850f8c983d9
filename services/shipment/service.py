"""Use case: book a carrier for a paid order, then announce the outcome."""

from __future__ import annotations

from typing import Protocol

from services.shared.events import (
    PaymentConfirmed,
    ShipmentError,
    ShipmentErrorData,
    Shipped,
    ShippedData,
    follow_up,
)
from services.shared.publishing import EventPublisher
from services.shipment.carrier import Carrier
from services.shipment.domain import DestinationRefused, Shipment, booking_key


class Shipments(Protocol):
    def for_order(self, order_id: str) -> Shipment | None: ...

    def add(self, shipment: Shipment) -> Shipment:
        """Store `shipment`, or return the one already stored for its order."""
        ...


def ship_order(
    event: PaymentConfirmed,
    *,
    shipments: Shipments,
    carrier: Carrier,
    publisher: EventPublisher,
) -> Shipped | ShipmentError:
    shipment = shipments.for_order(event.order_id)
    if shipment is None:
        at = event.occurred_at.isoformat()
        try:
            booking = carrier.book(event.order_id, event.data.shipping_address, booking_key(event.order_id))
            shipment = Shipment(event.order_id, True, booking.tracking_number, booking.carrier, None, at)
        except DestinationRefused as refusal:
            shipment = Shipment(event.order_id, False, None, None, str(refusal), at)
        shipment = shipments.add(shipment)
    outcome: Shipped | ShipmentError
    if shipment.booked:
        outcome = follow_up(  # type: ignore[assignment]
            event,
            Shipped,
            ShippedData(
                tracking_number=shipment.tracking_number or "",
                carrier=shipment.carrier or "",
                customer=event.data.customer,
            ),
        )
    else:
        outcome = follow_up(  # type: ignore[assignment]
            event,
            ShipmentError,
            ShipmentErrorData(reason=shipment.error or "refused", customer=event.data.customer),
        )
    publisher.publish(outcome)
    return outcome
