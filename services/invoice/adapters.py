"""DynamoDB invoices with gapless, atomic number sequences (one per series and year).

One table holds the invoices (`pk = order#<id>`) and the counters
(`pk = counter#<year>#<series>`). Issuing is one transaction: move the order's series counter
from n to n+1 *and* create the invoice numbered n+1, only if the order has none. A retry of the
same order therefore never spends a number.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.invoice.domain import Invoice, counter_key, invoice_number, series_of
from services.shared import dynamo
from services.shared.events import Amounts, Customer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutTypeDef


class SequenceContention(RuntimeError):
    """Too many concurrent issuers: transient, the message is retried."""


class DynamoInvoices:
    def __init__(self, client: DynamoDBClient, table: str, *, series: int = 1, attempts: int = 20) -> None:
        self._client = client
        self._table = table
        self._series = series
        self._attempts = attempts

    def for_order(self, order_id: str) -> Invoice | None:
        item = dynamo.get(self._client, self._table, {"pk": f"order#{order_id}"})
        return None if item is None else _invoice(item)

    def mark_announced(self, order_id: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"order#{order_id}"}},
            UpdateExpression="SET announced = :yes",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def _current(self, counter: str) -> int:
        item = dynamo.get(self._client, self._table, {"pk": counter})
        return int(item["value"]) if item else 0

    def issue(self, order_id: str, customer: Customer, amounts: Amounts, issued_at: str) -> Invoice:
        year = datetime.fromisoformat(issued_at).year
        series = series_of(order_id, self._series)
        counter = counter_key(year, series)
        for _ in range(self._attempts):
            current = self._current(counter)
            invoice = Invoice(
                order_id=order_id,
                number=invoice_number(year, series, current + 1),
                customer=customer,
                amounts=amounts,
                issued_at=issued_at,
            )
            counter_put: PutTypeDef = {
                "TableName": self._table,
                "Item": dynamo.to_item({"pk": counter, "value": current + 1}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
            if current:
                counter_put["ConditionExpression"] = "#v = :current"
                counter_put["ExpressionAttributeNames"] = {"#v": "value"}
                counter_put["ExpressionAttributeValues"] = {":current": {"N": str(current)}}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {"Put": counter_put},
                        {
                            "Put": {
                                "TableName": self._table,
                                "Item": dynamo.to_item(
                                    {
                                        "pk": f"order#{order_id}",
                                        "order_id": order_id,
                                        "number": invoice.number,
                                        "customer": customer.model_dump(mode="json"),
                                        "amounts": amounts.model_dump(),
                                        "issued_at": issued_at,
                                    }
                                ),
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                    ]
                )
                return invoice
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons", [])
                if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                    existing = self.for_order(order_id)
                    if existing is not None:
                        return existing  # issued by a concurrent delivery of the same order
                # Otherwise another order took number current+1 first: read and try again.
        raise SequenceContention(f"could not allocate an invoice number for {order_id}")


def _invoice(item: dict[str, Any]) -> Invoice:
    return Invoice(
        order_id=item["order_id"],
        number=item["number"],
        customer=Customer.model_validate(item["customer"]),
        amounts=Amounts.model_validate(item["amounts"]),
        issued_at=item["issued_at"],
        announced=bool(item.get("announced", False)),
    )
