"""DynamoDB payments: one per order, written once."""

from __future__ import annotations

from typing import Any

from services.billing.domain import Payment
from services.shared.dynamo import OrderKeyedRecords


class DynamoPayments(OrderKeyedRecords[Payment]):
    def __init__(self, client: Any, table: str) -> None:
        super().__init__(client, table, Payment)
