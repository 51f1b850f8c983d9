"""Event contracts: the envelope and one typed payload per status.

Every event on the `OrderEvents` topic is one of the frozen models below. The `status` field is
both the discriminator and the SNS message attribute that filter policies match on. `event_id` is
the consumers' idempotency key; it is derived from the order and the status, so whoever publishes
an order's event again (a retried step, the sweeper) publishes the same event.

An event carries what its consumers need and no more: no payment token travels on the topic
(billing reads it from the order, see services/billing).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Generic, Literal, Self, TypeVar, cast

from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter

SCHEMA_VERSION: Literal[1] = 1

# Namespace for event ids derived from their order and status.
_EVENT_NAMESPACE = uuid.UUID("6f1c3c1e-3a51-4a55-9d53-6c7bde2b5c11")

# No C0 control character (U+0000-U+001F) and no DEL in any text a person or a partner supplies.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1F\x7F]*$"


class Status(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    INVOICE_CREATED = "INVOICE_CREATED"
    PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"  # the amount is authorised: held, not taken
    PAYMENT_FAILED = "PAYMENT_FAILED"
    SHIPPED = "SHIPPED"
    SHIPMENT_ERROR = "SHIPMENT_ERROR"
    PAYMENT_CAPTURED = "PAYMENT_CAPTURED"
    PAYMENT_VOIDED = "PAYMENT_VOIDED"
    PAYMENT_CAPTURE_FAILED = "PAYMENT_CAPTURE_FAILED"


class Contract(BaseModel):
    # defer_build: a model's validator is built when it is first used, not at import. A consumer
    # meets three or four of the nine event types; building all of them was a third of its
    # cold start.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def text(max_length: int, description: str | None = None) -> Any:
    """A required, non-empty string of at most `max_length` characters, free of control characters."""
    return Field(min_length=1, max_length=max_length, pattern=NO_CONTROL_CHARACTERS, description=description)


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO-4217 code")]
MinorUnits = Annotated[int, Field(ge=0, description="integer minor units, e.g. cents")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO-3166 alpha-2")]


class Customer(Contract):
    id: Annotated[str, text(64)]
    email: EmailStr
    name: Annotated[str, text(200)]


class Address(Contract):
    name: Annotated[str, text(200)]
    line1: Annotated[str, text(200)]
    line2: Annotated[str | None, Field(max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None
    city: Annotated[str, text(100)]
    postal_code: Annotated[str, text(20)]
    country: Country


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


class InvoiceCreatedData(Contract):
    invoice_number: str
    customer: Customer
    amounts: Amounts
    shipping_address: Address


class PaymentConfirmedData(Contract):
    invoice_number: str
    payment_reference: Annotated[str, Field(description="the provider's authorisation id")]
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


class PaymentCapturedData(Contract):
    invoice_number: str
    capture_reference: str
    amount: MinorUnits
    currency: Currency


class PaymentVoidedData(Contract):
    invoice_number: str
    void_reference: str
    amount: MinorUnits
    currency: Currency
    customer: Customer


class PaymentCaptureFailedData(Contract):
    invoice_number: str
    reason: str
    amount: MinorUnits
    currency: Currency


DataT = TypeVar("DataT", bound=Contract)


def event_id_for(order_id: str, status: Status | str) -> str:
    """The id of an order's event for `status`: the same for every publication of it."""
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{order_id}/{Status(status).value}"))


class Envelope(Contract, Generic[DataT]):
    event_id: Annotated[str, Field(min_length=1, max_length=100)]
    status: Status
    version: Literal[1] = SCHEMA_VERSION
    occurred_at: datetime
    order_id: Annotated[str, Field(min_length=1, max_length=100)]
    correlation_id: Annotated[str, Field(min_length=1, max_length=100)]
    data: DataT

    @classmethod
    def of_order(
        cls, order_id: str, correlation_id: str, data: DataT, occurred_at: datetime | None = None
    ) -> Self:
        """This event type for an order, with its derived id (stable across retries)."""
        status = cls.model_fields["status"].default
        return cls(
            status=status,
            event_id=event_id_for(order_id, status),
            occurred_at=occurred_at or now(),
            order_id=order_id,
            correlation_id=correlation_id,
            data=data,
        )

    @classmethod
    def following(cls, cause: Envelope[Any], data: DataT) -> Self:
        """The event `cause` leads to, for the same order and correlation id."""
        return cls.of_order(cause.order_id, cause.correlation_id, data)


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


class PaymentCaptured(Envelope[PaymentCapturedData]):
    status: Literal[Status.PAYMENT_CAPTURED] = Status.PAYMENT_CAPTURED


class PaymentVoided(Envelope[PaymentVoidedData]):
    status: Literal[Status.PAYMENT_VOIDED] = Status.PAYMENT_VOIDED


class PaymentCaptureFailed(Envelope[PaymentCaptureFailedData]):
    status: Literal[Status.PAYMENT_CAPTURE_FAILED] = Status.PAYMENT_CAPTURE_FAILED


EVENT_TYPES: dict[Status, type[Envelope[Any]]] = {
    Status.ORDER_CREATED: OrderCreated,
    Status.INVOICE_CREATED: InvoiceCreated,
    Status.PAYMENT_CONFIRMED: PaymentConfirmed,
    Status.PAYMENT_FAILED: PaymentFailed,
    Status.SHIPPED: Shipped,
    Status.SHIPMENT_ERROR: ShipmentError,
    Status.PAYMENT_CAPTURED: PaymentCaptured,
    Status.PAYMENT_VOIDED: PaymentVoided,
    Status.PAYMENT_CAPTURE_FAILED: PaymentCaptureFailed,
}

Event = Annotated[
    OrderCreated
    | InvoiceCreated
    | PaymentConfirmed
    | PaymentFailed
    | Shipped
    | ShipmentError
    | PaymentCaptured
    | PaymentVoided
    | PaymentCaptureFailed,
    Field(discriminator="status"),
]


_STATUSES = frozenset(s.value for s in Status)


@cache
def _event_adapter() -> TypeAdapter[Event]:
    return TypeAdapter(Event)


def parse_event(body: str | bytes) -> Event:
    """Parse a raw SQS body (the SNS message, raw delivery) into its typed event.

    The body's status picks the one model that validates it, so only the event types a
    function meets are ever built; a body with no known status goes through the discriminated
    union, whose error says what is wrong with it."""
    try:
        status = json.loads(body).get("status")
    except (ValueError, AttributeError):
        status = None
    model = EVENT_TYPES.get(Status(status)) if status in _STATUSES else None
    if model is None:
        return _event_adapter().validate_json(body)
    return cast(Event, model.model_validate_json(body))


def now() -> datetime:
    return datetime.now(UTC)
