"""The floor: the least billable work each ending of the saga needs, derived from topology.json.

Per ending, the statuses published in order (the saga, which topology.json does not spell out)
and, from the topology, who receives each one. The floor counts:
- one API Gateway request and one order-api invocation per order;
- one SNS publish per event (each event is far below 64 KB);
- per matching subscription, one SQS delivery (SNS's SendMessage into the queue: assumed billed
  to the queue as one SQS request; SNS itself does not charge for deliveries to SQS), plus
  a receive and a delete per batch, and one invocation per batch;
- the relay's invocation per stream batch for the event the API writes through the outbox
  (stream reads by Lambda are free);
- DynamoDB: one write unit per state change of at most 1 KB (the order with its outbox, the
  outbox mark, each status the projection records, the payment, the shipment, the capture or
  void), the sweeper's KEYS_ONLY index entry (a put when placed and a delete at the end: a
  due time that moves with each status costs two more per move), the request key the client's
  Idempotency-Key stores, one marker per email, and the gapless invoice number: the invoice
  and its series counter in one transaction (x2);
- one eventually consistent catalog read per order line (4 KB), and the relay's consistent read
  of the order before it publishes (1 unit, where an eventually consistent one is 0.5: the half
  unit buys never publishing an event the table no longer holds);
- one SES message per customer-facing event.

Batches: "low" traffic is one message per batch, "high" is full batches (the topology's sizes).
What the topology does not determine (compute time, log bytes) is not in the floor: Lambda
GB-seconds are carried over from the measurement, and the floor's log bytes are 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.local.bench.cost import Price, cost_per_million_orders
from services.shared.topology import Topology, load_topology

# Ending -> the statuses published for one order, in order. ORDER_CREATED goes through the outbox.
SAGAS: dict[str, tuple[str, ...]] = {
    "ships": ("ORDER_CREATED", "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURED"),
    "payment_declined": ("ORDER_CREATED", "INVOICE_CREATED", "PAYMENT_FAILED"),
    "destination_refused": (
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPMENT_ERROR",
        "PAYMENT_VOIDED",
    ),
}
# Write units of the state change each status stands for, made by the service that publishes it.
EFFECT_WRITES: dict[str, float] = {
    "ORDER_CREATED": 1,  # the order, its outbox entry inside it
    "INVOICE_CREATED": 2 * 2,  # the invoice and its series counter, in one transaction
    "PAYMENT_CONFIRMED": 1,  # the authorisation
    "PAYMENT_FAILED": 1,  # the declined attempt
    "SHIPPED": 1,  # the booking
    "SHIPMENT_ERROR": 1,  # the refusal
    "PAYMENT_CAPTURED": 1,
    "PAYMENT_VOIDED": 1,
    "PAYMENT_CAPTURE_FAILED": 1,
}
LEVELS = ("low", "high")
RELAY_READ_UNITS = 1.0  # the relay reads the order (consistent, under 4 KB) for its one outbox event


@dataclass(frozen=True)
class Floor:
    units: dict[str, float]  # billable unit -> per order
    writes_by_cause: dict[str, float]


def floor(ending: str, level: str, lines: int = 1, topology: Topology | None = None) -> Floor:
    """The floor of one order on `ending`, at `level` traffic ("low": batches of one, "high": full)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    topology = topology or load_topology()
    statuses = SAGAS[ending]
    relay = topology.function("relay").stream
    assert relay is not None
    invocations = 1.0 + (1 if level == "low" else 1 / relay.batch_size)  # order-api, relay
    deliveries = receives = 0.0
    emails = 0
    for status in statuses:
        for name in topology.consumers_of(status):
            consumes = topology.function(name).consumes
            assert consumes is not None
            per_batch = 1 if level == "low" else 1 / consumes.batch_size
            deliveries += 1
            receives += per_batch
            invocations += per_batch
            emails += topology.function(name).sends_email
    writes = {
        "domain": sum(EFFECT_WRITES[s] for s in statuses) - 2,  # the invoice's transaction apart
        "transaction": 2,  # the invoice number's transaction: 2 items, counted double
        "outbox": 1,  # the relay marks the event dispatched
        "idempotency": 1 + emails,  # the request key, one marker per email
        "projection": len(statuses) - 1,  # each status after ORDER_CREATED, on the order
        "index": 2,  # the due entry: put when placed, deleted at the end
    }
    return Floor(
        units={
            "apigateway_requests": 1,
            "lambda_requests": invocations,
            "dynamodb_write_units": sum(writes.values()),
            "dynamodb_read_units": lines * 0.5 + RELAY_READ_UNITS,
            "sns_requests": len(statuses),
            "sqs_requests": deliveries + 2 * receives,  # delivery, receive and delete per batch
            "ses_messages": emails,
            "logs_ingested_gb": 0,
        },
        writes_by_cause=writes,
    )


def at_full_batches(
    units: dict[str, float], invocations: dict[str, float], topology: Topology
) -> dict[str, float]:
    """Measured units per order (one message per batch) as they are when every batch is full:
    each consumer's invocations, receives and deletes, and the relay's invocations, divided by
    the batch size. The work per record (writes, publishes, emails) does not change."""
    high = dict(units)
    for function in topology.functions:
        n = invocations.get(function.name, 0.0)
        if function.consumes is not None:
            saved = n * (1 - 1 / function.consumes.batch_size)
            high["lambda_requests"] -= saved
            high["sqs_requests"] -= 2 * saved  # a receive and a delete per batch
        elif function.stream is not None:
            high["lambda_requests"] -= n * (1 - 1 / function.stream.batch_size)
    return high


def versus_floor(
    figures: dict[str, Any], ending: str, prices: Mapping[str, Price], topology: Topology | None = None
) -> dict[str, Any]:
    """Actual / floor per billable unit and for the total cost (x86, with and without SES), at
    low and high traffic. The floor's GB-seconds are the measured ones (see the module doc)."""
    topology = topology or load_topology()
    out: dict[str, Any] = {}
    for level in LEVELS:
        the_floor = floor(ending, level, topology=topology)
        actual = dict(figures["units"])
        if level == "high":
            actual = at_full_batches(actual, figures["invocations"], topology)
        least = {**the_floor.units, "lambda_gb_seconds": actual["lambda_gb_seconds"]}
        units = {
            unit: {
                "actual": round(actual[unit], 6),
                "floor": round(least[unit], 6),
                "ratio": _ratio(actual[unit], least[unit]),
            }
            for unit in actual
        }
        totals = {}
        for ses in (True, False):
            a = cost_per_million_orders(actual, prices, include_ses=ses)["total"]
            f = cost_per_million_orders(least, prices, include_ses=ses)["total"]
            totals["with_ses" if ses else "without_ses"] = {
                "actual_usd": round(float(a), 4),
                "floor_usd": round(float(f), 4),
                "ratio": _ratio(float(a), float(f)),
            }
        out[level] = {"units": units, "total_per_million_orders": totals}
    out["write_units_by_cause"] = {
        "actual": figures["write_units_by_cause"],
        "floor": floor(ending, "low", topology=topology).writes_by_cause,
    }
    return out


def _ratio(actual: float, least: float) -> float | None:
    return round(actual / least, 3) if least else (None if actual else 1.0)
