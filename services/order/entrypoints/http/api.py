"""Entrypoint: the HTTP API (API Gateway REST proxy). The routes; errors map to HTTP in responses.py."""

from __future__ import annotations

import json
import uuid
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from services.order import bootstrap
from services.order.domain.order import ORDER_ID_PATTERN
from services.order.entrypoints.http import responses, screening, spec
from services.order.entrypoints.http.contracts import (
    EXAMPLE_ORDER,
    MAX_BODY_BYTES,
    ErrorResponse,
)
from services.order.queries import OrderCreatedResponse, OrderView, created_view, order_view
from services.order.usecases.commands import CreateOrder
from services.order.usecases.orders import get_order, place_order
from services.shared import observability
from services.shared.observability import instrumented, logger

log = logger("order-api")
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=screening.loads)

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7E]{1,255}$"
ORDER_LOCATION_PATTERN = "^/orders/" + ORDER_ID_PATTERN.removeprefix("^")


@app.post(
    "/orders",
    operation_id="create_order",
    summary="Place an order",
    description="The API prices the order from its catalog and pricing rules (clients never send "
    "prices), stores it, and answers at once; payment, invoice and shipment follow asynchronously "
    "(follow them with GET /orders/{order_id}).",
    openapi_extensions={"x-max-body-bytes": MAX_BODY_BYTES},
    responses={
        **spec.common(body=True),
        201: {
            "description": "The order, as priced. Retried with the same Idempotency-Key and body: the "
            "same order again",
            "content": {"application/json": {"model": OrderCreatedResponse}},
            "headers": {
                "Location": spec.header(
                    "where to follow the order", {"type": "string", "pattern": ORDER_LOCATION_PATTERN}
                )
            },
            "links": {
                "GetOrder": {
                    "operationId": "read_order",
                    "parameters": {"order_id": "$response.body#/order_id"},
                    "description": "the order just placed",
                }
            },
        },
        409: spec.error(
            "The Idempotency-Key was used with a different body (never retry it); or a request with "
            "this key is still being processed (then `Retry-After` is set: retry after it)",
            spec.retry_after(required=False),
        ),
        415: spec.error("The body was sent with another Content-Type than application/json"),
        422: spec.error(
            "The request does not match the schema (`errors` names each field), or the order is "
            "refused: a SKU the catalog does not hold or no longer sells (`items[i].sku`), a total over "
            "the maximum per order (`items`). The catalog and its prices change while the API runs, "
            "so a request the schema allows may still be refused for those reasons"
        ),
    },
)
def create_order(
    order: Annotated[
        CreateOrder,
        Body(
            description=f"The order: at most {MAX_BODY_BYTES} bytes of UTF-8 JSON (413 beyond)",
            openapi_examples={"one book": {"summary": "two copies of one book", "value": EXAMPLE_ORDER}},
        ),
    ],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Retry a POST with the same key to get the same order, never a second one "
            "(remembered 24 hours); 1-255 visible ASCII characters",
        ),
    ] = None,
) -> Response[OrderCreatedResponse]:
    correlation_id = log.get_correlation_id() or str(uuid.uuid4())
    wiring = bootstrap.api()
    placed = place_order(
        order,
        catalog=wiring.catalog,
        orders=wiring.orders,
        pricing=wiring.pricing,
        deadlines=wiring.deadlines,
        correlation_id=correlation_id,
        idempotency_key=idempotency_key,
    )
    if placed.correlation_id == correlation_id:  # else a retry with its key: counted once, before
        observability.count(observability.ORDERS_PLACED)
    log.info(
        "Order placed",
        extra={"order_id": placed.order_id, "total": placed.quote.total, "currency": placed.quote.currency},
    )
    return Response(
        status_code=HTTPStatus.CREATED.value,
        content_type="application/json",
        body=created_view(placed),
        headers={"Location": f"/orders/{placed.order_id}"},
    )


@app.get(
    "/orders/<order_id>",
    operation_id="read_order",
    summary="Where an order stands, and how it got there",
    responses={
        **spec.common(body=False),
        200: {"description": "The order", "content": {"application/json": {"model": OrderView}}},
        404: spec.error("No order has this id (an id of another form names none either)"),
    },
)
def read_order(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN, description="as POST /orders answered it")],
) -> OrderView:
    return order_view(get_order(order_id, orders=bootstrap.api().orders))


@app.get(
    "/openapi.json",
    operation_id="read_openapi_document",
    summary="This document",
    responses={
        **spec.common(body=False, dependencies=False),
        200: {
            "description": "The OpenAPI document of this API, as committed in services/order/openapi.json",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
def read_openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=_document_text())


@cache
def _document_text() -> str:
    """The committed document (openapi.py generates it from these routes; a test holds them equal)."""
    return spec.OPENAPI_FILE.read_text(encoding="utf-8")


@cache
def _routes() -> list[responses.Route]:
    return responses.routes_of(json.loads(_document_text()))


def _reads_body(method: str, path: str) -> bool:
    return any(route.body and route.method == method and route.matches(path) for route in _routes())


responses.install(app, log, _routes)


@log.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reads_body = _reads_body(str(event.get("httpMethod", "")), str(event.get("path", "")))
    screened, refusal = screening.screen(event, reads_body=reads_body)
    if refusal is not None:
        return {
            "statusCode": int(refusal.status),
            "headers": {"Content-Type": "application/json"},
            "body": ErrorResponse(message=refusal.message).model_dump_json(),
            "isBase64Encoded": False,
        }
    with observability.traced("## request", correlation_id=log.get_correlation_id() or ""):
        return app.resolve(screened, context)
