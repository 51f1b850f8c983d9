"""Entrypoint: the outbox relay. The orders table's stream brings each order whose event is
pending (the event source mapping's filter passes only those); the relay publishes the event to
the topic, then clears the outbox. A failed record is retried from where it failed (partial batch
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
from services.order.items import order_from_item
from services.order.service import relay
from services.shared import dynamo
from services.shared.observability import instrumented, logger, traced

log = logger("relay")


def _record(record: DynamoDBRecord) -> None:
    image = record.raw_event.get("dynamodb", {}).get("NewImage")
    if not image:
        return  # a removal: nothing to publish
    order = order_from_item(dynamo.from_item(image))
    with (
        log.append_context_keys(order_id=order.order_id, correlation_id=order.correlation_id),
        traced("## record", correlation_id=order.correlation_id, order_id=order.order_id),
    ):
        wiring = bootstrap.relay()
        if relay(order, orders=wiring.orders, publisher=wiring.publisher):
            log.info("Event published from the outbox", extra={"status": order.outbox})


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    return dict(
        process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
    )
