"""DynamoDB shipments: one per order, written once."""

from __future__ import annotations

from typing import Any

from services.shared.dynamo import OrderKeyedRecords
from services.shipment.domain import Shipment


class DynamoShipments(OrderKeyedRecords[Shipment]):
    def __init__(self, client: Any, table: str) -> None:
        super().__init__(client, table, Shipment)
