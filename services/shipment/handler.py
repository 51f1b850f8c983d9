"""Entrypoint: on PAYMENT_CONFIRMED, book a carrier and publish SHIPPED or SHIPMENT_ERROR."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from services.shared.consumer import SqsConsumer
from services.shared.observability import instrumented, logger
from services.shipment import bootstrap

log = logger("shipment")
consumer = SqsConsumer(function="shipment", logger=log, build=bootstrap.build)


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consumer.process(event, context)
