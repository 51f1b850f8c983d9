"""Entrypoint: on ORDER_CREATED, issue an invoice and publish INVOICE_CREATED."""

from __future__ import annotations

from services.invoice import bootstrap
from services.shared.consumer import sqs_entrypoint

consumer, lambda_handler = sqs_entrypoint("invoice", bootstrap.build)
