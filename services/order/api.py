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
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from services.order import bootstrap, screening
from services.order.adapters import CatalogUnavailable
from services.order.contracts import (
    CreateOrder,
    ErrorResponse,
    FieldError,
    OrderCreatedResponse,
    OrderView,
)
from services.order.domain import OrderNotFound
from services.order.pricing import OrderError
from services.order.service import Contention, KeyInFlight, KeyReused, get_order, place_order
from services.order.views import created_view, order_view
from services.shared.observability import logger

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
    if allowed:
        return _error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{event.http_method} is not allowed on {event.path}; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    listing = ", ".join(f"{route.method} {route.path}" for route in _routes())
    return _error(HTTPStatus.NOT_FOUND, f"No route for {event.path}. Routes: {listing}")


@app.post(
    "/orders",
    responses={201: {"description": "Order accepted"}},
)
def create_order(
    order: CreateOrder,
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
    log.info("Order placed", extra={"order_id": placed.order_id, "total": placed.quote.total})
    return Response(
        status_code=HTTPStatus.CREATED.value,
        content_type="application/json",
        body=created_view(placed),
        headers={"Location": f"/orders/{placed.order_id}"},
    )


@app.get("/orders/<order_id>")
def read_order(order_id: str) -> OrderView:
    return order_view(get_order(order_id, orders=bootstrap.api().orders))


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
    return app.resolve(screened, context)


def openapi_document() -> dict[str, Any]:
    return json.loads(app.get_openapi_json_schema(title="orderflow orders API", version="1.0.0"))
