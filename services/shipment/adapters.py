"""DynamoDB shipments: one per order, written once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.shared.dynamo import OrderKeyedRecords
from services.shipment.domain import Shipment

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class DynamoShipments(OrderKeyedRecords[Shipment]):
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        super().__init__(client, table, Shipment)
