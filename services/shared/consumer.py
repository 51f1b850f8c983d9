"""The SQS side of every consumer: partial batch responses, parsing, logging context.

A handler module makes its entrypoint with `sqs_entrypoint` at import (no AWS, no settings): one
`SqsConsumer` and the `lambda_handler` that calls its `process` per invocation. The service
wiring is built on the first call, and cached (functools.cache, as every bootstrap caches).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from services.shared import observability
from services.shared.events import Envelope, parse_event
from services.shared.observability import logger
from services.shared.publishing import REPUBLISHED_ATTRIBUTE
from services.shared.topology import load_topology


class PoisonMessage(ValueError):
    """The message body is not a valid event: it will end in the DLQ."""


class UnexpectedEvent(ValueError):
    """A status this consumer does not take: the subscription filter is wrong."""


@dataclass(frozen=True)
class Delivery:
    """How an event reached the consumer."""

    republished: bool  # published again on purpose (the sweeper): announce the outcome again
    attempt: int  # SQS's receive count


Handle = Callable[[Envelope[Any], Delivery], object]


@dataclass(frozen=True)
class Wiring:
    """What bootstrap builds for a consumer: the use case. Each use case guards its own effect
    with a conditional write (an invoice per order, a payment per invoice, a claim per email),
    keyed on the order and not on the message: redeliveries and forged copies change nothing."""

    handle: Handle


class SqsConsumer:
    def __init__(self, *, function: str, logger: Logger, build: Callable[[], Wiring]) -> None:
        self.function = function
        self.logger = logger
        self.wiring = cache(build)

    @property
    def accepts(self) -> frozenset[str]:
        """The statuses the topology routes to this function, and no others."""
        consumes = load_topology().function(self.function).consumes
        return frozenset(consumes.statuses if consumes else ())

    def reset(self) -> None:
        """Forget the wiring (tests that change the environment call this)."""
        self.wiring.cache_clear()

    def process(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        wiring = self.wiring()

        def record_handler(record: SQSRecord) -> None:
            self._process_record(record, wiring.handle)

        # A processor per invocation: it holds the batch's results, so it is never shared.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return dict(
            process_partial_response(
                event=event, record_handler=record_handler, processor=processor, context=context
            )
        )

    def _process_record(self, record: SQSRecord, handle: Handle) -> None:
        try:
            event = parse_event(record.body)
        except ValidationError as error:
            # The body is never logged: it may hold a customer's address.
            self.logger.error(
                "Unparseable message",
                extra={"message_id": record.message_id, "errors": error.error_count()},
            )
            raise PoisonMessage(f"message {record.message_id} is not a valid event") from None
        attribute = record.message_attributes[REPUBLISHED_ATTRIBUTE]  # None when absent
        republished = attribute is not None and attribute.string_value == "true"
        delivery = Delivery(
            republished=republished,
            attempt=int(record.attributes.approximate_receive_count or 1),
        )
        with self.logger.append_context_keys(
            order_id=event.order_id,
            correlation_id=event.correlation_id,
            event_id=event.event_id,
            status=event.status.value,
            message_id=record.message_id,
            attempt=delivery.attempt,
        ):
            if event.status.value not in self.accepts:
                self.logger.error("Unexpected status for this consumer")
                raise UnexpectedEvent(event.status.value)
            try:
                with observability.traced(
                    "## record",
                    correlation_id=event.correlation_id,
                    order_id=event.order_id,
                    status=event.status.value,
                ):
                    handle(event, delivery)
            except Exception:
                self.logger.exception("Record failed; SQS will retry it")
                raise
            # DEBUG: a line per record doubled the log bytes per order; the effect lines (email sent,
            # event published) and every failure stay at INFO and above.
            self.logger.debug("Record processed", extra={"republished": delivery.republished})


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def sqs_entrypoint(function: str, build: Callable[[], Wiring]) -> tuple[SqsConsumer, LambdaHandler]:
    """The entrypoint of the SQS consumer `function` (its name in topology.json): the consumer,
    and the Lambda handler that runs it in the function logger's Lambda context."""
    log = logger(function)
    consumer = SqsConsumer(function=function, logger=log, build=build)

    @log.inject_lambda_context(clear_state=True)
    @observability.instrumented
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return consumer.process(event, context)

    return consumer, lambda_handler
