"""The order and the rules of its saga: which status comes after which, what the payment may
become, when the order is finished, and when it is overdue. Pure: no AWS and no I/O but reading the
statuses' steps from the topology declaration; it uses the events' value types (Status, Customer,
Address), not their shapes.

Two things move independently, each only forward:
- the fulfilment status: ORDER_CREATED → INVOICE_CREATED → PAYMENT_CONFIRMED | PAYMENT_FAILED
  → SHIPPED | SHIPMENT_ERROR;
- the payment: authorized | failed (declined) → captured | voided | failed (capture failed).
An order is complete when its payment failed, or it shipped and was captured, or its shipment
failed and the hold was voided. An order whose capture failed needs a person (attention).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from services.order.domain.pricing import Quote
from services.shared.events import Address, Customer, Status
from services.shared.topology import load_topology


@cache
def steps() -> Mapping[str, int]:
    """Each status's step in the saga, as services/topology.json declares it. Statuses of one
    step are alternative outcomes of it: the first to arrive wins."""
    return load_topology().steps


@cache
def _sets_order_status() -> frozenset[str]:
    """The statuses the order's status becomes when reached (the rest are settlements, recorded
    on the timeline and the payment)."""
    return frozenset(s.name for s in load_topology().declared_statuses.values() if s.sets_order_status)


# How many partitions the sparse "due" index spreads overdue-able orders over.
DUE_SHARDS = 4
FLAGGED_SHARD = "flagged"


class OrderNotFound(Exception):
    pass


class PaymentState(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    FAILED = "failed"


_PAYMENT_EFFECT: dict[str, PaymentState] = {
    Status.PAYMENT_CONFIRMED: PaymentState.AUTHORIZED,
    Status.PAYMENT_FAILED: PaymentState.FAILED,
    Status.PAYMENT_CAPTURED: PaymentState.CAPTURED,
    Status.PAYMENT_VOIDED: PaymentState.VOIDED,
    Status.PAYMENT_CAPTURE_FAILED: PaymentState.FAILED,
}


@dataclass(frozen=True)
class Payment:
    """What the order knows of its money: the hold, and what became of it."""

    state: PaymentState
    amount: int
    currency: str
    reference: str | None = None  # the authorisation
    capture_reference: str | None = None
    void_reference: str | None = None
    failure_reason: str | None = None

    @property
    def captured_amount(self) -> int:
        return self.amount if self.state is PaymentState.CAPTURED else 0


@dataclass(frozen=True)
class Step:
    at: str  # ISO-8601, when the event occurred


@dataclass(frozen=True)
class Progress:
    """One step of the saga, as the order records it (what a downstream event tells it)."""

    status: str
    at: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attention:
    reason: str
    at: str


@dataclass(frozen=True)
class Deadlines:
    """Seconds an order may stay in each non-terminal stage (topology.json deadlines_seconds)."""

    seconds: Mapping[str, int]

    def after(self, stage: str) -> int:
        return self.seconds.get(stage, max(self.seconds.values(), default=300))


# Every order id new_order_id() makes, and nothing else (the API answers 404 for any other).
ORDER_ID_PATTERN = r"^ord_[0-9a-f]{32}$"


def new_order_id() -> str:
    """128 random bits: unguessable, and URL-safe."""
    return "ord_" + secrets.token_hex(16)


def due_shard(order_id: str) -> str:
    digest = hashlib.sha256(order_id.encode()).digest()
    return f"due#{digest[0] % DUE_SHARDS}"


def epoch(at: str) -> int:
    return int(datetime.fromisoformat(at).timestamp())


@dataclass(frozen=True)
class Order:
    order_id: str
    created_at: str
    correlation_id: str
    customer: Customer
    shipping_address: Address
    quote: Quote
    status: str = Status.ORDER_CREATED
    timeline: Mapping[str, Step] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)  # invoice_number, tracking_number, ...
    payment: Payment | None = None
    payment_token: str | None = None  # kept only until the payment is decided
    outbox: str | None = None  # a status whose event is yet to be published
    due_at: int | None = None  # epoch seconds; None once complete or flagged
    nudged: str | None = None  # the stage whose event the sweeper re-published
    attention: Attention | None = None
    version: int = 0

    # -- placing --------------------------------------------------------------------
    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        quote: Quote,
        customer: Customer,
        shipping_address: Address,
        payment_token: str,
        correlation_id: str,
        at: str,
        deadlines: Deadlines,
    ) -> Order:
        """A new order whose ORDER_CREATED is pending publication (the outbox)."""
        return cls(
            order_id=order_id,
            created_at=at,
            correlation_id=correlation_id,
            customer=customer,
            shipping_address=shipping_address,
            quote=quote,
            timeline={Status.ORDER_CREATED: Step(at)},
            payment_token=payment_token,
            outbox=Status.ORDER_CREATED,
            due_at=epoch(at) + deadlines.after(Status.ORDER_CREATED),
            version=1,
        )

    # -- where it stands --------------------------------------------------------------
    @property
    def complete(self) -> bool:
        state = self.payment.state if self.payment else None
        return (
            self.status == Status.PAYMENT_FAILED
            or (self.status == Status.SHIPPED and state is PaymentState.CAPTURED)
            or (self.status == Status.SHIPMENT_ERROR and state is PaymentState.VOIDED)
        )

    @property
    def stage(self) -> str:
        """What the order waits on, named by the status whose event would move it on."""
        return self.status

    @property
    def last_step(self) -> tuple[str, Step]:
        status = self.stage
        return status, self.timeline[status]

    def overdue(self, now: int) -> bool:
        return self.due_at is not None and self.due_at <= now

    def history(self) -> list[tuple[str, Step]]:
        """The timeline in saga order."""
        return sorted(self.timeline.items(), key=lambda item: (steps()[item[0]], item[1].at))

    # -- moving on ----------------------------------------------------------------------
    def record(self, progress: Progress, deadlines: Deadlines) -> Order | None:
        """The order after `progress`; None when it changes nothing (a duplicate, a stale or
        conflicting outcome). Status and payment only ever move forward."""
        status = progress.status
        if status not in steps() or status == Status.ORDER_CREATED:
            raise ValueError(f"{status} is not a downstream status")
        if any(steps()[seen] == steps()[status] for seen in self.timeline):
            return None  # this step already has its outcome (this one, or an alternative)
        changes: dict[str, Any] = {
            "timeline": {**self.timeline, status: Step(progress.at)},
        }
        if status in _sets_order_status() and steps()[status] > steps()[self.status]:
            changes["status"] = status
        details = {k: v for k, v in progress.details.items() if k in _DETAIL_KEYS}
        changes["details"] = {**details, **self.details}  # the first value of each detail stays
        if status in _PAYMENT_EFFECT:
            changes["payment"] = self._paid(status, progress)
            changes["payment_token"] = None  # the payment is decided: the token is not needed
        moved = replace(self, **changes)
        return moved._rescheduled(stage_before=self.stage, at=progress.at, deadlines=deadlines)

    def _paid(self, status: str, progress: Progress) -> Payment:
        facts = progress.details
        state = _PAYMENT_EFFECT[status]
        current = self.payment
        amount = int(facts.get("amount", current.amount if current else self.quote.total))
        currency = str(facts.get("currency", current.currency if current else self.quote.currency))
        base = current or Payment(state=state, amount=amount, currency=currency)
        if status in (Status.PAYMENT_CONFIRMED, Status.PAYMENT_FAILED) and current is not None:
            # The settlement arrived first: keep its state, add the authorisation's facts.
            return replace(current, reference=current.reference or facts.get("payment_reference"))
        return replace(
            base,
            state=state,
            amount=amount,
            currency=currency,
            reference=base.reference or facts.get("payment_reference"),
            capture_reference=facts.get("capture_reference", base.capture_reference),
            void_reference=facts.get("void_reference", base.void_reference),
            failure_reason=facts.get("reason", base.failure_reason) if state is PaymentState.FAILED else None,
        )

    def _rescheduled(self, *, stage_before: str, at: str, deadlines: Deadlines) -> Order:
        """Due date and attention after a change.

        - The capture failed: the order needs a person, with the reason; nothing is due.
        - Complete: nothing is due, and any earlier flag is lifted.
        - A new stage: a fresh deadline, counted from the event that began it.
        - The same stage (an out-of-order payment event): the schedule stands.
        """
        if self.payment is not None and Status.PAYMENT_CAPTURE_FAILED in self.timeline:
            reason = f"the payment could not be captured: {self.payment.failure_reason or 'unknown reason'}"
            return replace(self, due_at=None, nudged=None, attention=self.attention or Attention(reason, at))
        if self.complete:
            return replace(self, due_at=None, nudged=None, attention=None)
        if self.stage != stage_before:
            return replace(self, due_at=epoch(at) + deadlines.after(self.stage), nudged=None, attention=None)
        return self

    def dispatched(self) -> Order:
        return replace(self, outbox=None)

    def nudge(self, now: int, deadlines: Deadlines) -> Order:
        """The sweeper re-published the stage's event: give it one more deadline."""
        return replace(self, nudged=self.stage, due_at=now + deadlines.after(self.stage))

    def flag(self, reason: str, at: str) -> Order:
        return replace(self, due_at=None, attention=Attention(reason, at))


_DETAIL_KEYS = frozenset({"invoice_number", "tracking_number", "carrier", "failure_reason"})
