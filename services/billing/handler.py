"""Entrypoint: on INVOICE_CREATED, charge it and publish PAYMENT_CONFIRMED or PAYMENT_FAILED."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from services.billing import bootstrap
from services.shared.consumer import SqsConsumer
from services.shared.observability import instrumented, logger

log = logger("billing")
consumer = SqsConsumer(function="billing", logger=log, build=bootstrap.build)


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return consumer.process(event, context)
