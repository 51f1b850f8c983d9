"""A simulated carrier (SimPost) behind the Carrier port (services/shipment/service.py).

SimPost delivers to every supported destination except Australia (AU) and New Zealand (NZ),
which it refuses. It keeps its bookings in a DynamoDB table of its own (CARRIER_TABLE), one per
idempotency key, so booking the same order twice returns the same tracking number and books
once. `failure_rate` makes that share of calls fail transiently, reproducibly from `seed`.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from services.shared import dynamo
from services.shared.events import Address
from services.shared.simulation import FaultDice
from services.shipment.domain import Booking, DestinationRefused, TransientCarrierError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

REFUSED_COUNTRIES = frozenset({"AU", "NZ"})


class SimulatedCarrier:
    name = "SimPost"

    def __init__(
        self, client: DynamoDBClient, table: str, *, failure_rate: float = 0.0, seed: str = ""
    ) -> None:
        self._client = client
        self._table = table
        self._dice = FaultDice(failure_rate, seed)

    def book(self, order_id: str, address: Address, idempotency_key: str) -> Booking:
        if self._dice.fails(idempotency_key, before=True):
            raise TransientCarrierError("carrier booking timed out (simulated)")
        if address.country in REFUSED_COUNTRIES:
            raise DestinationRefused(f"{self.name} does not deliver to {address.country}")
        stored = dynamo.get(self._client, self._table, {"key": idempotency_key})
        if stored is None:
            digits = int(hashlib.sha256(idempotency_key.encode()).hexdigest(), 16) % 10**10
            entry = {
                "key": idempotency_key,
                "kind": "booking",
                "order_id": order_id,
                "tracking_number": f"SP{digits:010d}GB",
                "created_at": int(time.time()),
            }
            try:
                dynamo.put_new(self._client, self._table, "key", entry)
                stored = entry
            except dynamo.AlreadyExists:
                stored = dynamo.get(self._client, self._table, {"key": idempotency_key}) or entry
        if self._dice.fails(idempotency_key, before=False):
            raise TransientCarrierError("carrier answer lost (simulated)")
        return Booking(tracking_number=str(stored["tracking_number"]), carrier=self.name)
