"""Entrypoint: on every customer-facing status, email the customer through SES."""

from __future__ import annotations

from services.email import bootstrap
from services.shared.consumer import sqs_entrypoint

consumer, lambda_handler = sqs_entrypoint("email", bootstrap.build)
