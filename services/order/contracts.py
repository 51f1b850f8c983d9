"""The HTTP contract of the order API. Clients never send prices."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.shared.events import NO_CONTROL_CHARACTERS, Address, Customer

SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,31}$"
MAX_LINES = 100
MAX_QUANTITY = 1000
MAX_BODY_BYTES = 32 * 1024


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderItem(Request):
    sku: Annotated[
        str,
        Field(
            pattern=SKU_PATTERN,
            description="a catalog SKU; one that looks valid may still be refused (422) when the "
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
    unit_price: int
    line_total: int


class OrderCreatedResponse(BaseModel):
    order_id: str
    status: str
    currency: str
    subtotal: int
    tax: int
    shipping: int
    total: int
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
    field: str
    message: str


class ErrorResponse(BaseModel):
    message: str
    errors: list[FieldError] = []
