"""DynamoDB adapters of billing: its payments (one per order), and the payment token it reads from
the order (the only attribute of the orders table billing may read)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.billing.domain import Payment, PaymentState
from services.shared import dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def _payment(item: dict[str, Any]) -> Payment:
    return Payment(
        order_id=item["order_id"],
        invoice_number=item["invoice_number"],
        amount=int(item["amount"]),
        currency=item["currency"],
        state=PaymentState(item["state"]),
        authorized_at=item["authorized_at"],
        authorization=item.get("authorization"),
        decline_reason=item.get("decline_reason"),
        capture_reference=item.get("capture_reference"),
        void_reference=item.get("void_reference"),
        failure_reason=item.get("failure_reason"),
        settled_at=item.get("settled_at"),
        announced=bool(item.get("announced", False)),
    )


class DynamoPayments:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def for_order(self, order_id: str) -> Payment | None:
        item = dynamo.get(self._client, self._table, {"order_id": order_id})
        return None if item is None else _payment(item)

    def add(self, payment: Payment) -> Payment:
        try:
            dynamo.put_new(
                self._client, self._table, "order_id", {**asdict(payment), "state": payment.state.value}
            )
            return payment
        except dynamo.AlreadyExists:
            stored = self.for_order(payment.order_id)
            if stored is None:
                raise RuntimeError(f"payment of {payment.order_id} vanished") from None
            return stored  # a concurrent delivery of the same invoice stored it first

    def mark_announced(self, order_id: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"order_id": {"S": order_id}},
            UpdateExpression="SET announced = :yes",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def settle(self, payment: Payment) -> Payment:
        settled = {
            "state": payment.state.value,
            "capture_reference": payment.capture_reference,
            "void_reference": payment.void_reference,
            "failure_reason": payment.failure_reason,
            "settled_at": payment.settled_at,
        }
        present = {k: v for k, v in settled.items() if v is not None}
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": payment.order_id}},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in present),
                ConditionExpression="#state = :authorized",
                ExpressionAttributeNames={f"#{k}": k for k in present},
                ExpressionAttributeValues={
                    **{f":{k}": dynamo.to_value(v) for k, v in present.items()},
                    ":authorized": {"S": PaymentState.AUTHORIZED.value},
                },
            )
            return payment
        except ClientError as error:
            if not dynamo.is_conditional_failure(error):
                raise
        stored = self.for_order(payment.order_id)
        if stored is None:
            raise RuntimeError(f"payment of {payment.order_id} vanished")
        return stored


class DynamoPaymentTokens:
    """Reads one attribute of an order: billing's IAM policy allows it no other."""

    def __init__(self, client: DynamoDBClient, orders_table: str) -> None:
        self._client = client
        self._table = orders_table

    def token_for(self, order_id: str) -> str | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"order_id": {"S": order_id}},
            ProjectionExpression="order_id, payment_token",
            ConsistentRead=True,
        )
        token = response.get("Item", {}).get("payment_token", {}).get("S")
        return str(token) if token else None
