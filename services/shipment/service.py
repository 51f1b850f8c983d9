"""Use case: book a carrier for an authorised order, then announce the outcome."""

from __future__ import annotations

from typing import Protocol

from services.shared.events import (
    Address,
    PaymentConfirmed,
    ShipmentError,
    ShipmentErrorData,
    Shipped,
    ShippedData,
    now,
)
from services.shared.publishing import EventPublisher
from services.shipment.domain import Booking, DestinationRefused, Shipment, booking_key


class Carrier(Protocol):
    def book(self, order_id: str, address: Address, idempotency_key: str) -> Booking:
        """Book a collection, once per key; raise DestinationRefused when the carrier won't
        deliver, TransientCarrierError when it cannot answer now."""
        ...


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
    reannounce: bool = False,
) -> Shipped | ShipmentError | None:
    """Book once, announce, then record. A retry after a failed publish finds no record and books
    again with the same key (the carrier answers with the same booking); a duplicate delivery finds
    the record and does nothing, unless the sweeper asks to `reannounce`."""
    shipment = shipments.for_order(event.order_id)
    if shipment is not None and not reannounce:
        return None
    if shipment is None:
        at = now().isoformat()
        try:
            booking = carrier.book(event.order_id, event.data.shipping_address, booking_key(event.order_id))
            shipment = Shipment(event.order_id, True, booking.tracking_number, booking.carrier, None, at)
        except DestinationRefused as refusal:
            shipment = Shipment(event.order_id, False, None, None, str(refusal), at)
        outcome = _outcome(event, shipment)
        publisher.publish(outcome)
        shipments.add(shipment)
        return outcome
    outcome = _outcome(event, shipment)
    publisher.publish(outcome)
    return outcome


def _outcome(event: PaymentConfirmed, shipment: Shipment) -> Shipped | ShipmentError:
    customer = event.data.customer
    if shipment.booked:
        return Shipped.following(
            event,
            ShippedData(
                tracking_number=shipment.tracking_number or "",
                carrier=shipment.carrier or "",
                customer=customer,
            ),
        )
    return ShipmentError.following(
        event, ShipmentErrorData(reason=shipment.error or "refused", customer=customer)
    )
