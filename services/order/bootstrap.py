"""Wiring for the order service's entrypoints, built on first invocation.

Each builder reads validated settings and makes the clients; tests pass fakes in instead
(`build_api(orders=FakeOrders(), ...)`). The entrypoints call the cached ones (functools.cache;
the SQS consumer caches `projector` the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from services.order.adapters.dynamo import DynamoCatalog, DynamoOrders
from services.order.domain.order import Deadlines
from services.order.domain.pricing import PricingRules
from services.order.usecases.orders import Catalog, Orders
from services.order.usecases.saga import record_status
from services.shared import aws, observability
from services.shared.events import Status
from services.shared.publishing import EventPublisher, SnsPublisher
from services.shared.settings import Settings, load_settings
from services.shared.topology import load_topology

if TYPE_CHECKING:  # the consumer (Powertools batch) is order-status's alone: order-api never loads it
    from services.shared.consumer import Delivery, Wiring
    from services.shared.events import Envelope


class OrdersSettings(Settings):
    ORDERS_TABLE: str
    # One deadline for every stage, in seconds: the local stack's short deadlines. Unset in AWS,
    # where each stage has its own (topology.json deadlines_seconds).
    ORDER_DEADLINE_SECONDS: int | None = None


class ApiSettings(OrdersSettings):
    CATALOG_TABLE: str
    REQUEST_KEYS_TABLE: str


class PublishingSettings(OrdersSettings):
    EVENTS_TOPIC_ARN: str


class SweeperSettings(PublishingSettings):
    POWERTOOLS_METRICS_NAMESPACE: str


def deadlines(settings: OrdersSettings) -> Deadlines:
    declared = load_topology().deadlines_seconds
    if settings.ORDER_DEADLINE_SECONDS is not None:
        return Deadlines(dict.fromkeys(declared, settings.ORDER_DEADLINE_SECONDS))
    return Deadlines(declared)


def due_index() -> str:
    return load_topology().table("orders").indexes[0].name


@dataclass(frozen=True)
class Api:
    catalog: Catalog
    orders: Orders
    pricing: PricingRules
    deadlines: Deadlines


def build_api() -> Api:
    """The API's real dependencies, from the validated settings (tests build an Api of fakes)."""
    settings = load_settings(ApiSettings)
    dynamodb = aws.client("dynamodb", on_request_path=True)
    return Api(
        catalog=DynamoCatalog(dynamodb, settings.CATALOG_TABLE),
        orders=DynamoOrders(
            dynamodb, settings.ORDERS_TABLE, keys_table=settings.REQUEST_KEYS_TABLE, due_index=due_index()
        ),
        pricing=PricingRules.from_file(),
        deadlines=deadlines(settings),
    )


@cache
def api() -> Api:
    return build_api()


@dataclass(frozen=True)
class Projection:
    orders: Orders
    deadlines: Deadlines


def build_projection() -> Projection:
    """order-status's real dependencies, from the validated settings."""
    settings = load_settings(OrdersSettings)
    return Projection(
        orders=DynamoOrders(aws.client("dynamodb"), settings.ORDERS_TABLE, due_index=due_index()),
        deadlines=deadlines(settings),
    )


def projector(deps: Projection | None = None) -> Wiring:
    """order-status's wiring: with `deps` (tests pass fakes), else the real dependencies."""
    from services.shared.consumer import Wiring

    projection = deps or build_projection()

    def project(event: Envelope[Any], _delivery: Delivery) -> None:
        recorded = record_status(event, orders=projection.orders, deadlines=projection.deadlines)
        if recorded is None:
            return  # a duplicate or a stale event: counted when it was first recorded
        metric = load_topology().status_metrics.get(event.status.value)
        if metric:
            observability.count(metric)
        if event.status is Status.SHIPPED:
            waited = event.occurred_at - datetime.fromisoformat(recorded.created_at)
            observability.count(observability.ORDER_TO_SHIPPED, waited.total_seconds(), "Seconds")

    return Wiring(handle=project)


@dataclass(frozen=True)
class Publishing:
    orders: Orders
    publisher: EventPublisher
    deadlines: Deadlines


def build_publishing(settings_type: type[PublishingSettings] = PublishingSettings) -> Publishing:
    """The relay's and the sweeper's real dependencies, from the validated settings."""
    settings = load_settings(settings_type)
    return Publishing(
        orders=DynamoOrders(aws.client("dynamodb"), settings.ORDERS_TABLE, due_index=due_index()),
        publisher=SnsPublisher(aws.client("sns"), settings.EVENTS_TOPIC_ARN),
        deadlines=deadlines(settings),
    )


@cache
def relay() -> Publishing:
    return build_publishing()


@cache
def sweeper() -> Publishing:
    return build_publishing(SweeperSettings)
