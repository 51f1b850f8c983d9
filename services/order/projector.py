"""Entrypoint: the status projector. Keeps each order's status, payment and timeline current."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from services.order import bootstrap
from services.shared.consumer import SqsConsumer
from services.shared.observability import instrumented, logger

log = logger("order-status")
consumer = SqsConsumer(function="order-status", logger=log, build=bootstrap.projector)


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consumer.process(event, context)
