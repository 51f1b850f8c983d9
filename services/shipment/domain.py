"""Shipment rules."""

from __future__ import annotations

from dataclasses import dataclass


class DestinationRefused(Exception):
    """The carrier does not serve this destination: a business outcome, not a fault."""


class TransientCarrierError(RuntimeError):
    """The carrier could not answer now. Raised so SQS retries the message."""


@dataclass(frozen=True)
class Booking:
    tracking_number: str
    carrier: str


@dataclass(frozen=True)
class Shipment:
    order_id: str
    booked: bool
    tracking_number: str | None
    carrier: str | None
    error: str | None
    booked_at: str


def booking_key(order_id: str) -> str:
    """One order, one booking: the carrier deduplicates on this key."""
    return f"ship-{order_id}"
