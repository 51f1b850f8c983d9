"""Entrypoint: the outbox relay. The orders table's stream brings each order whose event is
pending (the event source mapping's filter passes only those); the relay reads the order (a
consistent read), publishes the event built from it if its outbox still holds it, then clears
the outbox. A record of an order the table does not hold, or whose event is no longer pending,
is logged and counted, never published. A failed record is retried from where it failed (partial batch
response); one that keeps failing goes to the relay's on-failure destination, and the sweeper
re-publishes its order's event once the order is overdue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.order import bootstrap
from services.order.usecases.saga import Relayed, relay
from services.shared import observability
from services.shared.observability import instrumented, logger, traced

log = logger("relay")


_SKIPPED = {
    Relayed.ORDER_MISSING: (
        observability.OUTBOX_ORDER_MISSING,
        "Not published: the table holds no such order",
    ),
    Relayed.NOT_PENDING: (
        observability.OUTBOX_NOT_PENDING,
        "Not published: the stored order's outbox no longer holds this event",
    ),
}


def _record(record: DynamoDBRecord) -> None:
    image = record.raw_event.get("dynamodb", {}).get("NewImage") or {}
    order_id = image.get("order_id", {}).get("S")
    status = image.get("outbox", {}).get("S")
    if not order_id or not status:
        return  # a removal, or no pending event: nothing to publish
    correlation_id = image.get("correlation_id", {}).get("S", "")
    with (
        log.append_context_keys(order_id=order_id, correlation_id=correlation_id, status=status),
        traced("## record", correlation_id=correlation_id, order_id=order_id),
    ):
        wiring = bootstrap.relay()
        outcome = relay(order_id, status, orders=wiring.orders, publisher=wiring.publisher)
        if outcome in _SKIPPED:
            metric, message = _SKIPPED[outcome]
            observability.count(metric)
            log.warning(
                message, extra={"sequence_number": record.dynamodb and record.dynamodb.sequence_number}
            )
        elif outcome is Relayed.PUBLISHED_OUTBOX_CHANGED:
            log.warning("Event published; the outbox changed before it was cleared (its own record follows)")
        else:
            log.info("Event published from the outbox")


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
    )
