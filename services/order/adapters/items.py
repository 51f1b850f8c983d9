"""The stored item of an order: the mapping between the domain `Order` and the attributes the
orders table holds (also what the stream's NEW_IMAGE carries). Plain values both ways, as
services.shared.dynamo converts them."""

from __future__ import annotations

from typing import Any

from services.order.domain.order import (
    FLAGGED_SHARD,
    Attention,
    Order,
    Payment,
    PaymentState,
    Step,
    due_shard,
    epoch,
)
from services.order.domain.pricing import PricedLine, Quote
from services.shared.events import Address, Customer

DETAILS = ("invoice_number", "tracking_number", "carrier", "failure_reason")


def _schedule(order: Order) -> dict[str, Any]:
    """The sparse index's key: due orders by shard, flagged ones in their own partition."""
    if order.due_at is not None:
        return {"due_shard": due_shard(order.order_id), "due_at": order.due_at}
    if order.attention is not None:
        return {"due_shard": FLAGGED_SHARD, "due_at": epoch(order.attention.at)}
    return {}


def _payment_item(payment: Payment | None) -> dict[str, Any] | None:
    if payment is None:
        return None
    return {
        "state": payment.state.value,
        "amount": payment.amount,
        "currency": payment.currency,
        "reference": payment.reference,
        "capture_reference": payment.capture_reference,
        "void_reference": payment.void_reference,
        "failure_reason": payment.failure_reason,
    }


def mutable_attributes(order: Order) -> dict[str, Any]:
    """Every attribute that changes after the order is placed (the outbox aside), None = absent."""
    return {
        "status": order.status,
        # status -> when: the item stays under 1 KB (one write unit) through the whole saga. An
        # event's id is derived from the order and the status, so it is not stored.
        "timeline": {s: step.at for s, step in order.timeline.items()},
        **{name: order.details.get(name) for name in DETAILS},
        "payment": _payment_item(order.payment),
        "payment_token": order.payment_token,
        "nudged": order.nudged,
        "attention": None
        if order.attention is None
        else {"reason": order.attention.reason, "at": order.attention.at},
        "due_shard": None,
        "due_at": None,
        **_schedule(order),
    }


def order_item(order: Order) -> dict[str, Any]:
    quote = order.quote
    return {
        "order_id": order.order_id,
        "version": order.version,
        "created_at": order.created_at,
        "correlation_id": order.correlation_id,
        "customer": order.customer.model_dump(mode="json"),
        "shipping_address": order.shipping_address.model_dump(mode="json"),
        "currency": quote.currency,
        "subtotal": quote.subtotal,
        "tax": quote.tax,
        "shipping": quote.shipping,
        "total": quote.total,
        "items": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in quote.lines
        ],
        "outbox": order.outbox,
        **mutable_attributes(order),
    }


def order_from_item(item: dict[str, Any]) -> Order:
    """The domain order from a stored item (plain values, as dynamo.from_item returns them)."""
    payment = item.get("payment")
    attention = item.get("attention")
    flagged = item.get("due_shard") == FLAGGED_SHARD
    return Order(
        order_id=item["order_id"],
        created_at=item["created_at"],
        correlation_id=item["correlation_id"],
        customer=Customer.model_validate(item["customer"]),
        shipping_address=Address.model_validate(item["shipping_address"]),
        quote=Quote(
            currency=item["currency"],
            lines=tuple(
                PricedLine(line["sku"], line["name"], int(line["quantity"]), int(line["unit_price"]))
                for line in item["items"]
            ),
            subtotal=int(item["subtotal"]),
            tax=int(item["tax"]),
            shipping=int(item["shipping"]),
        ),
        status=item["status"],
        timeline={status: Step(str(at)) for status, at in item.get("timeline", {}).items()},
        details={name: item[name] for name in DETAILS if item.get(name) is not None},
        payment=None
        if payment is None
        else Payment(
            state=PaymentState(payment["state"]),
            amount=int(payment["amount"]),
            currency=payment["currency"],
            reference=payment.get("reference"),
            capture_reference=payment.get("capture_reference"),
            void_reference=payment.get("void_reference"),
            failure_reason=payment.get("failure_reason"),
        ),
        payment_token=item.get("payment_token"),
        outbox=item.get("outbox"),
        due_at=None if flagged or item.get("due_at") is None else int(item["due_at"]),
        nudged=item.get("nudged"),
        attention=None if attention is None else Attention(attention["reason"], attention["at"]),
        version=int(item.get("version", 0)),
    )
