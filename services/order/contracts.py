"""The HTTP contract of the order API. Clients never send prices.

Every constraint here is the one the API validates with and the one services/order/openapi.json
declares: the document is generated from these models (make schemas), never written by hand.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.order.domain import ORDER_ID_PATTERN
from services.shared.events import NO_CONTROL_CHARACTERS, Address, Currency, Customer, MinorUnits

SKU_MAX_LENGTH = 32
SKU_PATTERN = rf"^[A-Z0-9][A-Z0-9-]{{0,{SKU_MAX_LENGTH - 1}}}$"
MAX_LINES = 100
MAX_QUANTITY = 1000
MAX_BODY_BYTES = 32 * 1024


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderItem(Request):
    sku: Annotated[
        str,
        Field(
            min_length=1,
            max_length=SKU_MAX_LENGTH,
            pattern=SKU_PATTERN,
            description="a catalog SKU. The catalog changes while the API runs, so no schema can list "
            "its SKUs: one of this form may still be refused with 422 (naming `items[i].sku`) when the "
            "catalog does not hold it or no longer sells it",
        ),
    ]
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY, strict=True)]


class Payment(Request):
    token: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            pattern=NO_CONTROL_CHARACTERS,
            description="the payment provider's token for the card; never card data",
        ),
    ]


class CreateOrder(Request):
    customer: Customer
    items: Annotated[list[OrderItem], Field(min_length=1, max_length=MAX_LINES)]
    shipping_address: Address
    payment: Payment


class OrderLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: MinorUnits
    line_total: MinorUnits


OrderId = Annotated[str, Field(pattern=ORDER_ID_PATTERN)]


class OrderCreatedResponse(BaseModel):
    order_id: OrderId
    status: str
    currency: Currency
    subtotal: MinorUnits
    tax: MinorUnits
    shipping: MinorUnits
    total: MinorUnits
    items: list[OrderLine]


class TimelineEntry(BaseModel):
    status: str
    at: str


class PaymentView(BaseModel):
    state: Literal["authorized", "captured", "voided", "failed"]
    currency: str
    amount: int = Field(description="the amount authorised (held), in minor units")
    captured_amount: int = Field(description="the amount taken, in minor units: 0 unless captured")
    authorization_reference: str | None = None
    capture_reference: str | None = None
    void_reference: str | None = None
    failure_reason: str | None = None


class AttentionView(BaseModel):
    reason: str
    at: str


class OrderView(OrderCreatedResponse):
    created_at: str
    complete: bool = Field(description="true once the saga has ended: nothing more will happen")
    timeline: list[TimelineEntry]
    invoice_number: str | None = None
    payment_reference: str | None = None
    payment: PaymentView | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    failure_reason: str | None = None
    attention: AttentionView | None = Field(
        default=None, description="set when the order stopped moving and needs a person"
    )


class FieldError(BaseModel):
    field: str = Field(description="the input that is wrong, e.g. `items[0].sku` or `header.idempotency-key`")
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx the API answers (API Gateway's own errors carry only `message`)."""

    message: str
    errors: list[FieldError] = Field(default=[], description="one entry per offending field, if any")


# An order the local stack's catalog prices (services/order/catalog.json); documentation only.
EXAMPLE_ORDER: dict[str, Any] = {
    "customer": {"id": "cus_42", "email": "ada@example.com", "name": "Ada Lovelace"},
    "items": [{"sku": "BOOK-001", "quantity": 2}],
    "shipping_address": {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    },
    "payment": {"token": "tok_visa"},
}
