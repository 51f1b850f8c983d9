"""Order use cases: place an order, read it, project the saga onto it, publish what it has to
announce (the relay), and find the orders that stopped moving (the sweeper)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from services.order.domain.order import (
    Deadlines,
    Order,
    OrderNotFound,
    Progress,
    new_order_id,
)
from services.order.domain.pricing import PricingRules, Product
from services.order.usecases.announcements import announcement
from services.order.usecases.commands import CreateOrder
from services.shared.events import (
    Address,
    Customer,
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

# How long an Idempotency-Key is remembered.
REQUEST_KEY_TTL_SECONDS = 24 * 3600
_SAVE_ATTEMPTS = 8


class KeyReused(Exception):
    """The Idempotency-Key was used before with another request body."""


class OrderExists(Exception):
    """An order with this id is stored already (ids are random: never in practice)."""


class KeyInFlight(Exception):
    """Another request with the same Idempotency-Key is being written right now."""


class VersionConflict(Exception):
    """The order changed since it was read."""


class CatalogUnavailable(RuntimeError):
    """The catalog could not be read in full (a store kept some keys back): transient."""


class Contention(RuntimeError):
    """The order kept changing under us: transient, the message is retried."""


@dataclass(frozen=True)
class RequestKey:
    """An Idempotency-Key, stored hashed, with the hash of the request it was first used with."""

    key_hash: str
    request_hash: str
    expires_at: int

    @classmethod
    def of(cls, key: str, request: CreateOrder, now: datetime) -> RequestKey:
        canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return cls(
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            request_hash=hashlib.sha256(canonical.encode()).hexdigest(),
            expires_at=int(now.timestamp()) + REQUEST_KEY_TTL_SECONDS,
        )


@dataclass(frozen=True)
class KeyUse:
    """What the store holds for an Idempotency-Key already used: the order it placed, and the hash
    of the request it was used with."""

    order_id: str
    request_hash: str


class Catalog(Protocol):
    def products(self, skus: set[str]) -> dict[str, Product]: ...


class Orders(Protocol):
    def add(self, order: Order, key: RequestKey | None = None) -> KeyUse | None:
        """Store a new order in one write, with its key if any: None. When the key was used
        already, nothing is stored and the answer is that use. Raises KeyInFlight while another
        request's write of the key is undecided."""
        ...

    def get(self, order_id: str) -> Order | None: ...

    def save(self, order: Order, *, previous: Order) -> None:
        """Store the order's new state if it is still as `previous` was read (its version;
        VersionConflict otherwise). Only what changed since `previous` is written."""
        ...

    def mark_dispatched(self, order_id: str, status: str) -> bool:
        """The outbox's event for `status` was published: clear it if it is still that one.
        False: it was not (cleared already, or another event is pending)."""
        ...

    def overdue(self, now: int) -> Iterable[str]:
        """Ids of orders due at or before `now` (an index query; may include ones just moved on)."""
        ...


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- placing and reading --------------------------------------------------------------


def place_order(
    request: CreateOrder,
    *,
    catalog: Catalog,
    orders: Orders,
    pricing: PricingRules,
    deadlines: Deadlines,
    correlation_id: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Price the request and store the order with its pending ORDER_CREATED, in one write."""
    now = now or utcnow()
    products = catalog.products({item.sku for item in request.items})
    quote = pricing.quote(
        [(item.sku, item.quantity) for item in request.items], products, request.shipping_address.country
    )
    order_id = new_order_id()
    order = Order.place(
        order_id=order_id,
        quote=quote,
        # the event contract's types, not the request's narrower ones: the order reads back the same
        customer=Customer.model_validate(request.customer.model_dump()),
        shipping_address=Address.model_validate(request.shipping_address.model_dump()),
        payment_token=request.payment.token,
        correlation_id=correlation_id,
        at=now.isoformat(),
        deadlines=deadlines,
    )
    if not idempotency_key:
        orders.add(order)
        return order
    key = RequestKey.of(idempotency_key, request, now)
    used = orders.add(order, key)
    if used is None:
        return order
    # The key placed an order before: the same request gets that order, another is refused.
    if used.request_hash != key.request_hash:
        raise KeyReused(key.key_hash)
    first = orders.get(used.order_id)
    if first is None:
        raise RuntimeError(f"request key {key.key_hash} names a missing order {used.order_id}")
    return first


def get_order(order_id: str, *, orders: Orders) -> Order:
    order = orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


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
