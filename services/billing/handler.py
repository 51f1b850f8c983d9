"""Entrypoint: on INVOICE_CREATED, charge it and publish PAYMENT_CONFIRMED or PAYMENT_FAILED."""

from __future__ import annotations

from services.billing import bootstrap
from services.shared.consumer import sqs_entrypoint

consumer, lambda_handler = sqs_entrypoint("billing", bootstrap.build)
