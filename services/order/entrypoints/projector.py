"""Entrypoint: the status projector. Keeps each order's status, payment and timeline current."""

from __future__ import annotations

from services.order import bootstrap
from services.shared.consumer import sqs_entrypoint

consumer, lambda_handler = sqs_entrypoint("order-status", bootstrap.projector)
