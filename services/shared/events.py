"""Event contracts: the envelope and one typed payload per status.

Every event on the `OrderEvents` topic is one of the frozen models below. The
`status` field is both the discriminator and the SNS message attribute that
filter policies match on. `event_id` is the consumers' idempotency key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter

SCHEMA_VERSION: Literal[1] = 1

# Namespace for event ids derived from their cause, so a retried step
# republishes the *same* event and downstream consumers drop the duplicate.
_EVENT_NAMESPACE = uuid.UUID("6f1c3c1e-3a51-4a55-9d53-6c7bde2b5c11")


class Status(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    INVOICE_CREATED = "INVOICE_CREATED"
    PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    SHIPPED = "SHIPPED"
    SHIPMENT_ERROR = "SHIPMENT_ERROR"


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO-4217 code")]
MinorUnits = Annotated[int, Field(ge=0, description="integer minor units, e.g. cents")]


class Customer(Contract):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    email: EmailStr
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Address(Contract):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Annotated[str | None, Field(max_length=200)] = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO-3166 alpha-2")]


class Amounts(Contract):
    currency: Currency
    subtotal: MinorUnits
    tax: MinorUnits
    shipping: MinorUnits
    total: MinorUnits


class Line(Contract):
    sku: str
    name: str
    quantity: Annotated[int, Field(ge=1, le=1000)]
    unit_price: MinorUnits
    line_total: MinorUnits


class OrderCreatedData(Contract):
    customer: Customer
    items: Annotated[list[Line], Field(min_length=1, max_length=100)]
    shipping_address: Address
    amounts: Amounts
    payment_token: Annotated[str, Field(description="payment provider token, never card data")]


class InvoiceCreatedData(Contract):
    invoice_number: str
    customer: Customer
    amounts: Amounts
    payment_token: str
    shipping_address: Address


class PaymentConfirmedData(Contract):
    invoice_number: str
    payment_reference: str
    amount: MinorUnits
    currency: Currency
    customer: Customer
    shipping_address: Address


class PaymentFailedData(Contract):
    invoice_number: str
    reason: str
    customer: Customer


class ShippedData(Contract):
    tracking_number: str
    carrier: str
    customer: Customer


class ShipmentErrorData(Contract):
    reason: str
    customer: Customer


DataT = TypeVar("DataT", bound=Contract)


class Envelope(Contract, Generic[DataT]):
    event_id: Annotated[str, Field(min_length=1, max_length=100)]
    status: Status
    version: Literal[1] = SCHEMA_VERSION
    occurred_at: datetime
    order_id: Annotated[str, Field(min_length=1, max_length=100)]
    correlation_id: Annotated[str, Field(min_length=1, max_length=100)]
    data: DataT


class OrderCreated(Envelope[OrderCreatedData]):
    status: Literal[Status.ORDER_CREATED] = Status.ORDER_CREATED


class InvoiceCreated(Envelope[InvoiceCreatedData]):
    status: Literal[Status.INVOICE_CREATED] = Status.INVOICE_CREATED


class PaymentConfirmed(Envelope[PaymentConfirmedData]):
    status: Literal[Status.PAYMENT_CONFIRMED] = Status.PAYMENT_CONFIRMED


class PaymentFailed(Envelope[PaymentFailedData]):
    status: Literal[Status.PAYMENT_FAILED] = Status.PAYMENT_FAILED


class Shipped(Envelope[ShippedData]):
    status: Literal[Status.SHIPPED] = Status.SHIPPED


class ShipmentError(Envelope[ShipmentErrorData]):
    status: Literal[Status.SHIPMENT_ERROR] = Status.SHIPMENT_ERROR


EVENT_TYPES: dict[Status, type[Envelope[Any]]] = {
    Status.ORDER_CREATED: OrderCreated,
    Status.INVOICE_CREATED: InvoiceCreated,
    Status.PAYMENT_CONFIRMED: PaymentConfirmed,
    Status.PAYMENT_FAILED: PaymentFailed,
    Status.SHIPPED: Shipped,
    Status.SHIPMENT_ERROR: ShipmentError,
}

Event = Annotated[
    OrderCreated | InvoiceCreated | PaymentConfirmed | PaymentFailed | Shipped | ShipmentError,
    Field(discriminator="status"),
]
_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(body: str | bytes) -> Event:
    """Parse a raw SQS body (the SNS message, raw delivery) into its typed event."""
    return _EVENT_ADAPTER.validate_json(body)


def now() -> datetime:
    return datetime.now(UTC)


def derived_event_id(cause_event_id: str, status: Status) -> str:
    """The id of the event that `cause_event_id` leads to; stable across retries."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{cause_event_id}/{Status(status).value}"))


def follow_up(cause: Envelope[Any], event_type: type[Envelope[DataT]], data: DataT) -> Envelope[DataT]:
    """Build the event that `cause` leads to, carrying its order and correlation ids."""
    status = event_type.model_fields["status"].default
    return event_type(
        status=status,
        event_id=derived_event_id(cause.event_id, status),
        occurred_at=now(),
        order_id=cause.order_id,
        correlation_id=cause.correlation_id,
        data=data,
    )
