"""The SQS side of every consumer: partial batch responses, parsing, logging context.

A handler module builds one `SqsConsumer` at import (no AWS, no settings) and
calls `process` per invocation. The service wiring is built on the first call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from services.shared.events import parse_event
from services.shared.idempotency import Idempotency
from services.shared.topology import load_topology


class PoisonMessage(ValueError):
    """The message body is not a valid event: it will end in the DLQ."""


class UnexpectedEvent(ValueError):
    """A status this consumer does not take: the subscription filter is wrong."""


@dataclass(frozen=True)
class Wiring:
    """What bootstrap builds for a consumer: the use case and its idempotency guard."""

    handle: Callable[[Any], object]
    idempotency: Idempotency | None = None


class SqsConsumer:
    def __init__(
        self,
        *,
        function: str,
        logger: Logger,
        build: Callable[[], Wiring],
    ) -> None:
        self.function = function
        self.logger = logger
        self._build = build
        self._handle: Callable[..., object] | None = None
        self._wiring: Wiring | None = None

    @property
    def accepts(self) -> frozenset[str]:
        """The statuses the topology routes to this function, and no others."""
        consumes = load_topology().function(self.function).consumes
        return frozenset(consumes.statuses if consumes else ())

    def _ready(self) -> tuple[Wiring, Callable[..., object]]:
        if self._wiring is None or self._handle is None:
            wiring = self._build()

            def handle(*, event: Any) -> None:
                # The use case's return value is not kept: the idempotency
                # record only marks the event as done.
                wiring.handle(event)

            if wiring.idempotency is not None:
                handle = wiring.idempotency.wrap(handle, data_keyword="event")
            self._wiring, self._handle = wiring, handle
        return self._wiring, self._handle

    def reset(self) -> None:
        """Forget the wiring (tests that change the environment call this)."""
        self._wiring = self._handle = None

    def process(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        wiring, handle = self._ready()
        if wiring.idempotency is not None:
            wiring.idempotency.config.register_lambda_context(context)

        def record_handler(record: SQSRecord) -> None:
            self._process_record(record, handle)

        # A processor per invocation: it holds the batch's results, so it is never shared.
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return dict(
            process_partial_response(
                event=event, record_handler=record_handler, processor=processor, context=context
            )
        )

    def _process_record(self, record: SQSRecord, handle: Callable[..., object]) -> None:
        try:
            event = parse_event(record.body)
        except ValidationError as error:
            # The body is never logged: it may hold a customer's address.
            self.logger.error(
                "Unparseable message",
                extra={"message_id": record.message_id, "errors": error.error_count()},
            )
            raise PoisonMessage(f"message {record.message_id} is not a valid event") from None
        with self.logger.append_context_keys(
            order_id=event.order_id,
            correlation_id=event.correlation_id,
            event_id=event.event_id,
            status=event.status.value,
        ):
            if event.status.value not in self.accepts:
                self.logger.error("Unexpected status for this consumer")
                raise UnexpectedEvent(event.status.value)
            try:
                handle(event=event)
            except Exception:
                self.logger.exception("Record failed; SQS will retry it")
                raise
            self.logger.info("Record processed")
