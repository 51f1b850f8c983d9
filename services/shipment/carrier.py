"""The Carrier port and a simulated carrier behind it.

SimPost, the simulated carrier, delivers to every supported destination except
Australia (AU) and New Zealand (NZ), which it refuses deterministically. Its
tracking numbers are derived from the booking's idempotency key, so booking
the same order twice returns the same tracking number.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from services.shared.events import Address
from services.shipment.domain import Booking, DestinationRefused

REFUSED_COUNTRIES = frozenset({"AU", "NZ"})


class Carrier(Protocol):
    def book(self, order_id: str, address: Address, idempotency_key: str) -> Booking:
        """Book a collection; raise DestinationRefused when the carrier won't deliver."""
        ...


class SimulatedCarrier:
    name = "SimPost"

    def book(self, order_id: str, address: Address, idempotency_key: str) -> Booking:
        if address.country in REFUSED_COUNTRIES:
            raise DestinationRefused(f"{self.name} does not deliver to {address.country}")
        digits = int(hashlib.sha256(idempotency_key.encode()).hexdigest(), 16) % 10**10
        return Booking(tracking_number=f"SP{digits:010d}GB", carrier=self.name)
