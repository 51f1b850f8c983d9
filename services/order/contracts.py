"""The HTTP contract of the order API. Clients never send prices."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.shared.events import Address, Customer


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderItem(Request):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=1000, strict=True)]


class Payment(Request):
    token: Annotated[str, Field(min_length=1, max_length=100)]


class CreateOrder(Request):
    customer: Customer
    items: Annotated[list[OrderItem], Field(min_length=1, max_length=100)]
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


class OrderView(OrderCreatedResponse):
    created_at: str
    timeline: list[TimelineEntry]
    invoice_number: str | None = None
    payment_reference: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    failure_reason: str | None = None


class FieldError(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    message: str
    errors: list[FieldError] = []
