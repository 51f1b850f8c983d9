"""Wiring for the order service's two entrypoints, built on first invocation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)

from services.order.adapters import DynamoCatalog, DynamoOrders
from services.order.contracts import CreateOrder, OrderCreatedResponse
from services.order.domain import PricingRules
from services.order.service import place_order, record_status
from services.shared import aws
from services.shared.consumer import Wiring
from services.shared.idempotency import Idempotency
from services.shared.publishing import SnsPublisher
from services.shared.settings import Settings, load_settings

# How long an Idempotency-Key is remembered.
REQUEST_KEY_TTL_SECONDS = 24 * 3600


class ApiSettings(Settings):
    ORDERS_TABLE: str
    CATALOG_TABLE: str
    IDEMPOTENCY_TABLE: str
    EVENTS_TOPIC_ARN: str


class ProjectorSettings(Settings):
    ORDERS_TABLE: str


@dataclass(frozen=True)
class Api:
    orders: DynamoOrders
    place: Callable[[CreateOrder, str], OrderCreatedResponse]
    place_once: Callable[..., OrderCreatedResponse]
    idempotency: Idempotency


@cache
def api() -> Api:
    settings = load_settings(ApiSettings)
    dynamodb = aws.client("dynamodb")
    orders = DynamoOrders(dynamodb, settings.ORDERS_TABLE)
    catalog = DynamoCatalog(dynamodb, settings.CATALOG_TABLE)
    publisher = SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN)
    pricing = PricingRules.from_file()

    def place(request: CreateOrder, correlation_id: str) -> OrderCreatedResponse:
        return place_order(
            request,
            catalog=catalog,
            orders=orders,
            publisher=publisher,
            pricing=pricing,
            correlation_id=correlation_id,
        )

    def place_keyed(request: dict[str, Any]) -> OrderCreatedResponse:
        # `request` is {"key", "body", "correlation_id"}: keyed on "key", checked on "body".
        return place(CreateOrder.model_validate(request["body"]), request["correlation_id"])

    idempotency = Idempotency(
        dynamodb,
        settings.IDEMPOTENCY_TABLE,
        key_jmespath="key",
        payload_jmespath="body",
        expires_after_seconds=REQUEST_KEY_TTL_SECONDS,
    )
    place_once = idempotency.wrap(
        place_keyed,
        data_keyword="request",
        output_serializer=PydanticSerializer(model=OrderCreatedResponse),
    )
    return Api(orders=orders, place=place, place_once=place_once, idempotency=idempotency)


def projector() -> Wiring:
    settings = load_settings(ProjectorSettings)
    orders = DynamoOrders(aws.client("dynamodb"), settings.ORDERS_TABLE)
    return Wiring(handle=lambda event: record_status(event, orders=orders))
