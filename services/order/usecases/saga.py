"""The saga after the order is placed: recording each downstream status on the order (the
order-status projector), publishing what the outbox holds (the relay), and nudging or flagging
the orders that stopped moving (the sweeper). The ports and errors are those of orders.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.order.domain.order import (
    Deadlines,
    Order,
    OrderNotFound,
    Progress,
)
from services.order.usecases.announcements import announcement
from services.order.usecases.orders import Contention, Orders, VersionConflict, utcnow
from services.shared.events import (
    Envelope,
    InvoiceCreated,
    PaymentCaptured,
    PaymentCaptureFailed,
    PaymentConfirmed,
    PaymentFailed,
    PaymentVoided,
    ShipmentError,
    Shipped,
)
from services.shared.publishing import EventPublisher

_SAVE_ATTEMPTS = 8  # reads and conditional saves of one change before it is Contention

# -- projecting the saga ----------------------------------------------------------------


def progress_of(event: Envelope[Any]) -> Progress:
    """What a downstream event records on the order."""
    details: dict[str, Any]
    match event:
        case InvoiceCreated():
            details = {"invoice_number": event.data.invoice_number}
        case PaymentConfirmed():
            details = {
                "payment_reference": event.data.payment_reference,
                "amount": event.data.amount,
                "currency": event.data.currency,
            }
        case PaymentFailed():
            details = {"failure_reason": event.data.reason, "reason": event.data.reason}
        case Shipped():
            details = {"tracking_number": event.data.tracking_number, "carrier": event.data.carrier}
        case ShipmentError():
            details = {"failure_reason": event.data.reason}
        case PaymentCaptured():
            details = {
                "capture_reference": event.data.capture_reference,
                "amount": event.data.amount,
                "currency": event.data.currency,
            }
        case PaymentVoided():
            details = {
                "void_reference": event.data.void_reference,
                "amount": event.data.amount,
                "currency": event.data.currency,
            }
        case PaymentCaptureFailed():
            details = {
                "reason": event.data.reason,
                "amount": event.data.amount,
                "currency": event.data.currency,
            }
        case _:
            raise ValueError(f"{event.status} is not projected onto orders")
    return Progress(status=event.status.value, at=event.occurred_at.isoformat(), details=details)


def _update(orders: Orders, order_id: str, change: Any) -> Order | None:
    """Read, change, write if unchanged meanwhile; again on a conflict. The order as saved, or
    None when nothing changed."""
    for _ in range(_SAVE_ATTEMPTS):
        order = orders.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        changed = change(order)
        if changed is None:
            return None
        try:
            orders.save(changed, previous=order)
            return changed
        except VersionConflict:
            continue
    raise Contention(f"order {order_id} kept changing; giving up for now")


def record_status(event: Envelope[Any], *, orders: Orders, deadlines: Deadlines) -> Order | None:
    """Project one downstream event: the order it made, or None for a duplicate or stale event
    (which changes nothing)."""
    progress = progress_of(event)
    return _update(orders, event.order_id, lambda order: order.record(progress, deadlines))


# -- the relay: publishing what the outbox holds -------------------------------------------


class Relayed(StrEnum):
    """What became of one stream record of a pending event."""

    PUBLISHED = "published"
    # the event was published, but the outbox changed before it could be cleared (a newer event
    # is pending, or a concurrent delivery cleared it): that change brings its own record
    PUBLISHED_OUTBOX_CHANGED = "published, outbox changed"
    ORDER_MISSING = "order missing"  # a record of an order the table does not hold
    NOT_PENDING = "not pending"  # the stored outbox no longer holds this event


def relay(order_id: str, status: str, *, orders: Orders, publisher: EventPublisher) -> Relayed:
    """Publish the event a stream record says is pending, if the stored order still holds it in
    its outbox (read consistently), built from the stored order; then clear the outbox. The
    stream is not trusted on its own: a record may be stale, redelivered, or (in an emulator)
    of a write that never committed."""
    stored = orders.get(order_id)
    if stored is None:
        return Relayed.ORDER_MISSING
    if stored.outbox != status:
        return Relayed.NOT_PENDING
    publisher.publish(announcement(stored, status))
    if orders.mark_dispatched(order_id, status):
        return Relayed.PUBLISHED
    return Relayed.PUBLISHED_OUTBOX_CHANGED


# -- the sweeper: nudging the stuck, flagging the hopeless ---------------------------------


@dataclass(frozen=True)
class Sweep:
    nudged: tuple[str, ...]
    flagged: tuple[str, ...]


def sweep(
    *, orders: Orders, publisher: EventPublisher, deadlines: Deadlines, now: datetime | None = None
) -> Sweep:
    """For each overdue order: re-publish its stage's event once; if it is still overdue after
    that, flag it for a person, with the reason."""
    now = now or utcnow()
    moment = int(now.timestamp())
    nudged: list[str] = []
    flagged: list[str] = []
    for order_id in orders.overdue(moment):
        order = orders.get(order_id)
        if order is None or not order.overdue(moment):
            continue  # it moved on since the index saw it
        stage = order.stage
        if order.nudged == stage:
            waited = moment - int(datetime.fromisoformat(order.timeline[stage].at).timestamp())
            reason = (
                f"no progress from {stage} for {waited} s, even after its event was published again; "
                "look for its messages in the dead-letter queues"
            )
            if _save_if_unchanged(orders, order, order.flag(reason, now.isoformat())):
                flagged.append(order_id)
            continue
        publisher.publish(announcement(order, stage), republished=True)
        if _save_if_unchanged(orders, order, order.nudge(moment, deadlines)):
            nudged.append(order_id)
    return Sweep(tuple(nudged), tuple(flagged))


def _save_if_unchanged(orders: Orders, before: Order, after: Order) -> bool:
    try:
        orders.save(after, previous=before)
        return True
    except VersionConflict:
        return False  # it moved on while we looked: the next sweep sees it afresh
