"""Entrypoint: the HTTP API (API Gateway REST proxy). One map from errors to HTTP."""

from __future__ import annotations

import json
import uuid
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from services.order import bootstrap, openapi, screening
from services.order.adapters import CatalogUnavailable
from services.order.contracts import (
    EXAMPLE_ORDER,
    MAX_BODY_BYTES,
    CreateOrder,
    ErrorResponse,
    FieldError,
    OrderCreatedResponse,
    OrderView,
)
from services.order.domain import ORDER_ID_PATTERN, OrderNotFound
from services.order.pricing import OrderError
from services.order.service import Contention, KeyInFlight, KeyReused, get_order, place_order
from services.order.views import created_view, order_view
from services.shared import observability
from services.shared.observability import instrumented, logger
from services.shared.schemas import render

log = logger("order-api")
app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=screening.loads)

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7E]{1,255}$"
RETRY_AFTER_SECONDS = 1


def _error(
    status: HTTPStatus,
    message: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        status_code=int(status),
        content_type="application/json",
        body=ErrorResponse(message=message, errors=errors or []).model_dump_json(),
        headers=headers,
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    """("body", "items", 0, "quantity") -> "items[0].quantity"; ("header", "x") -> "header.x"."""
    path = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[Any]:
    problems = list(error.errors())
    kinds = {problem.get("type") for problem in problems}
    if "json_invalid" in kinds:
        return _error(HTTPStatus.BAD_REQUEST, "The request body is not valid JSON")
    if any(problem["loc"][:1] == ("path",) for problem in problems):
        # An id of another form than the API makes names nothing: not found, like an unknown one.
        return _no_such_order(app.current_event.path)
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The request does not match the schema",
        [FieldError(field=_field_path(tuple(p["loc"])), message=p["msg"]) for p in problems],
    )


@app.exception_handler(RequestUnsupportedContentType)
def _unsupported_media(_: RequestUnsupportedContentType) -> Response[Any]:
    return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json")


@app.exception_handler(OrderError)
def _refused(error: OrderError) -> Response[Any]:
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY, error.message, [FieldError(field=error.field, message=error.message)]
    )


@app.exception_handler(OrderNotFound)
def _no_order(error: OrderNotFound) -> Response[Any]:
    return _error(HTTPStatus.NOT_FOUND, f"No order with id {error}")


def _no_such_order(path: str) -> Response[Any]:
    return _error(HTTPStatus.NOT_FOUND, f"No order at {path}")


@app.exception_handler(KeyReused)
def _key_reused(_: KeyReused) -> Response[Any]:
    return _error(HTTPStatus.CONFLICT, "This Idempotency-Key was already used with a different request body")


@app.exception_handler(KeyInFlight)
def _key_in_flight(_: KeyInFlight) -> Response[Any]:
    return _error(
        HTTPStatus.CONFLICT,
        "A request with this Idempotency-Key is still being processed; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.exception_handler([ClientError, BotoCoreError, CatalogUnavailable, Contention])
def _unavailable(_: Exception) -> Response[Any]:
    log.exception("Dependency failed")
    return _error(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "Temporarily unavailable; retry shortly (with the same Idempotency-Key)",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@app.not_found
def _no_route(_: NotFoundError) -> Response[Any]:
    event = app.current_event
    allowed = sorted({route.method for route in _routes() if route.matches(event.path)})
    if event.http_method in allowed:
        # The path has the shape of a route but a parameter the router cannot take (e.g. a "\\").
        return _no_such_order(event.path)
    if allowed:
        return _error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{event.http_method} is not allowed on {event.path}; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    listing = ", ".join(f"{route.method} {route.path}" for route in _routes())
    return _error(HTTPStatus.NOT_FOUND, f"No route for {event.path}. Routes: {listing}")


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
        **openapi.common(body=True),
        201: {
            "description": "The order, as priced. Retried with the same Idempotency-Key and body: the "
            "same order again",
            "content": {"application/json": {"model": OrderCreatedResponse}},
            "headers": {
                "Location": openapi.header(
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
        409: openapi.error(
            "The Idempotency-Key was used with a different body (never retry it); or a request with "
            "this key is still being processed (then `Retry-After` is set: retry after it)",
            openapi.retry_after(required=False),
        ),
        415: openapi.error("The body was sent with another Content-Type than application/json"),
        422: openapi.error(
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
    log.info("Order placed", extra={"order_id": placed.order_id, "total": placed.quote.total})
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
        **openapi.common(body=False),
        200: {"description": "The order", "content": {"application/json": {"model": OrderView}}},
        404: openapi.error("No order has this id (an id of another form names none either)"),
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
        **openapi.common(body=False, dependencies=False),
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
    return render(openapi_document())


class _Route:
    """A route as the OpenAPI document names it, e.g. GET /orders/{order_id}; `body`: it reads one."""

    def __init__(self, method: str, path: str, *, body: bool = False) -> None:
        self.method = method
        self.path = path
        self.body = body
        self._parts = path.strip("/").split("/")

    def matches(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        return len(parts) == len(self._parts) and all(
            mine.startswith("{") or mine == theirs for mine, theirs in zip(self._parts, parts, strict=True)
        )


@cache
def _routes() -> list[_Route]:
    document = openapi_document()
    return sorted(
        (
            _Route(method.upper(), path, body="requestBody" in operation)
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
        ),
        key=lambda route: (route.path, route.method),
    )


def _reads_body(method: str, path: str) -> bool:
    return any(route.body and route.method == method and route.matches(path) for route in _routes())


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


def openapi_document() -> dict[str, Any]:
    generated = app.get_openapi_json_schema(
        title=openapi.TITLE,
        version=openapi.VERSION,
        description=openapi.DESCRIPTION,
        security_schemes=openapi.SECURITY_SCHEMES,
        security=openapi.SECURITY,
    )
    return openapi.finish(json.loads(generated))
