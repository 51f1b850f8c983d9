"""In-memory fakes of the ports, for unit tests of the services. They keep the same rules as the
adapters by calling the same domain code (the order's transitions live in Order.record)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from services.billing.domain import (
    AuthorizationExpired,
    AuthorizationRequest,
    AuthorizationResult,
    Payment,
    PaymentState,
    SettlementRefused,
    SettlementRequest,
    TransientPaymentError,
)
from services.order.domain.order import Order
from services.order.domain.pricing import Product
from services.order.usecases.orders import KeyUse, OrderExists, RequestKey, VersionConflict
from services.shared.events import Address
from services.shipment.domain import Booking, DestinationRefused


class RecordingPublisher:
    def __init__(self, fail_times: int = 0) -> None:
        self.events: list[Any] = []
        self.republished: list[Any] = []
        self._fail_times = fail_times

    def publish(self, event: Any, *, republished: bool = False) -> None:
        if self._fail_times:
            self._fail_times -= 1
            raise ConnectionError("publish failed")
        self.events.append(event)
        if republished:
            self.republished.append(event)


class FakeCatalog:
    def __init__(self, *products: Product) -> None:
        self._products = {p.sku: p for p in products}

    def products(self, skus: set[str]) -> dict[str, Product]:
        return {sku: self._products[sku] for sku in skus if sku in self._products}


class FakeOrders:
    def __init__(self) -> None:
        self.items: dict[str, Order] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self.dispatched: list[tuple[str, str]] = []

    def add(self, order: Order, key: RequestKey | None = None) -> KeyUse | None:
        if key is not None and key.key_hash in self.keys:
            order_id, request_hash = self.keys[key.key_hash]
            return KeyUse(order_id=order_id, request_hash=request_hash)
        if order.order_id in self.items:
            raise OrderExists(order.order_id)
        self.items[order.order_id] = order
        if key is not None:
            self.keys[key.key_hash] = (order.order_id, key.request_hash)
        return None

    def get(self, order_id: str) -> Order | None:
        return self.items.get(order_id)

    def save(self, order: Order, *, previous: Order) -> None:
        current = self.items[order.order_id]
        expected_version = previous.version
        if current.version != expected_version:
            raise VersionConflict(order.order_id)
        # The outbox is the relay's: a save never sets or clears it.
        self.items[order.order_id] = replace(order, outbox=current.outbox, version=expected_version + 1)

    def mark_dispatched(self, order_id: str, status: str) -> bool:
        current = self.items[order_id]
        if current.outbox != status:
            return False
        self.items[order_id] = current.dispatched()
        self.dispatched.append((order_id, status))
        return True

    def overdue(self, now: int) -> Iterator[str]:
        yield from [o.order_id for o in self.items.values() if o.due_at is not None and o.due_at <= now]


class FakeRecords:
    """Shipments: one per order."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def for_order(self, order_id: str) -> Any:
        return self.items.get(order_id)

    def add(self, record: Any) -> Any:
        return self.items.setdefault(record.order_id, record)


class FakePayments(FakeRecords):
    def mark_announced(self, order_id: str) -> None:
        self.items[order_id] = replace(self.items[order_id], announced=True)

    def settle(self, payment: Payment) -> Payment:
        current: Payment = self.items[payment.order_id]
        if current.state is not PaymentState.AUTHORIZED:
            return current
        self.items[payment.order_id] = payment
        return payment


class FakeTokens:
    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})

    def token_for(self, order_id: str) -> str | None:
        return self.tokens.get(order_id)


class FakeProvider:
    """A processor that keys every call, as the simulator does, and counts its effects."""

    def __init__(self, *, expired: bool = False, fail_times: int = 0) -> None:
        self.ledger: dict[str, dict[str, Any]] = {}
        self.effects: Counter[tuple[str, str]] = Counter()  # (kind, order_id)
        self.expired = expired
        self._fail_times = fail_times

    def _maybe_fail(self) -> None:
        if self._fail_times:
            self._fail_times -= 1
            raise TransientPaymentError("provider unavailable")

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResult:
        self._maybe_fail()
        if request.idempotency_key not in self.ledger:
            approved = request.token == "tok_visa"
            ref = "auth_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:8]
            self.ledger[request.idempotency_key] = {"approved": approved, "ref": ref, "state": "open"}
            self.effects["authorization", request.order_id] += 1
            self.ledger[ref] = self.ledger[request.idempotency_key]
        entry = self.ledger[request.idempotency_key]
        if not entry["approved"]:
            return AuthorizationResult(approved=False, decline_reason="card_declined")
        return AuthorizationResult(approved=True, reference=entry["ref"])

    def _settle(self, request: SettlementRequest, kind: str, state: str) -> str:
        self._maybe_fail()
        if request.idempotency_key not in self.ledger:
            authorization = self.ledger[request.authorization]
            if authorization["state"] != "open":
                raise SettlementRefused(authorization["state"])
            if kind == "capture" and self.expired:
                raise AuthorizationExpired("authorization_expired")
            authorization["state"] = state
            self.ledger[request.idempotency_key] = {"ref": f"{kind}_{request.order_id}"}
            self.effects[kind, request.order_id] += 1
        return str(self.ledger[request.idempotency_key]["ref"])

    def capture(self, request: SettlementRequest) -> str:
        return self._settle(request, "capture", "captured")

    def void(self, request: SettlementRequest) -> str:
        return self._settle(request, "void", "voided")


class FakeCarrier:
    name = "FakePost"

    def __init__(self, refused: frozenset[str] = frozenset({"AU", "NZ"})) -> None:
        self.bookings: Counter[str] = Counter()
        self.refused = refused

    def book(self, order_id: str, address: Address, idempotency_key: str) -> Booking:
        if address.country in self.refused:
            raise DestinationRefused(f"{self.name} does not deliver to {address.country}")
        self.bookings[idempotency_key] += 1
        return Booking(tracking_number=f"FP-{order_id[-6:]}", carrier=self.name)


class FakeNotifications:
    """The claim protocol of services/email/adapters.py, in memory."""

    def __init__(self) -> None:
        from services.email.domain import Claim, Notification

        self.items: dict[str, Any] = {}
        self._claim, self._notification = Claim, Notification

    def claim(self, key: str) -> Any:
        if key in self.items:
            stored = self.items[key]
            if stored == "sending":
                from services.email.domain import ClaimHeld

                raise ClaimHeld(key)
            return stored
        self.items[key] = "sending"
        return self._claim(key, "attempt")

    def finish(self, claim: Any, notification: Any) -> None:
        self.items[claim.key] = notification

    def release(self, claim: Any) -> None:
        del self.items[claim.key]


class FakeSender:
    def __init__(self, *failures: Exception) -> None:
        self.sent: list[Any] = []
        self._failures = list(failures)

    def send(self, email: Any) -> str:
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(email)
        return f"msg-{len(self.sent)}"
