"""Entrypoint: on PAYMENT_CONFIRMED, book a carrier and publish SHIPPED or SHIPMENT_ERROR."""

from __future__ import annotations

from services.shared.consumer import sqs_entrypoint
from services.shipment import bootstrap

consumer, lambda_handler = sqs_entrypoint("shipment", bootstrap.build)
