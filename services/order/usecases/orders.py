"""Order use cases: place an order and read it, with the ports (Orders, Catalog) and the errors
the rest of the saga (saga.py: the projector, the relay, the sweeper) shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from services.order.domain.order import (
    Deadlines,
    Order,
    OrderNotFound,
    new_order_id,
)
from services.order.domain.pricing import PricingRules, Product
from services.order.usecases.commands import CreateOrder
from services.shared.events import (
    Address,
    Customer,
)

# How long an Idempotency-Key is remembered.
REQUEST_KEY_TTL_SECONDS = 24 * 3600


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
