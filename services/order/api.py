"""Entrypoint: the HTTP API (API Gateway REST proxy). One map from errors to HTTP."""

from __future__ import annotations

import json
import uuid
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from services.order import bootstrap
from services.order.adapters import CatalogUnavailable
from services.order.contracts import (
    CreateOrder,
    ErrorResponse,
    FieldError,
    OrderCreatedResponse,
    OrderView,
)
from services.order.domain import OrderError, OrderNotFound
from services.order.service import get_order
from services.shared.observability import logger

log = logger("order-api")
app = APIGatewayRestResolver(enable_validation=True)


def _error(status: HTTPStatus, message: str, errors: list[FieldError] | None = None) -> Response[Any]:
    return Response(
        status_code=int(status),
        content_type="application/json",
        body=ErrorResponse(message=message, errors=errors or []).model_dump_json(),
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    """("body", "items", 0, "quantity") -> "items[0].quantity"."""
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
    if "unsupported_content_type" in kinds:
        return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json")
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The request does not match the schema",
        [FieldError(field=_field_path(tuple(p["loc"])), message=p["msg"]) for p in problems],
    )


@app.exception_handler(OrderError)
def _refused(error: OrderError) -> Response[Any]:
    return _error(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        error.message,
        [FieldError(field=error.field, message=error.message)],
    )


@app.exception_handler(OrderNotFound)
def _not_found(error: OrderNotFound) -> Response[Any]:
    return _error(HTTPStatus.NOT_FOUND, f"No order with id {error}")


@app.exception_handler(IdempotencyValidationError)
def _key_reused(_: IdempotencyValidationError) -> Response[Any]:
    return _error(
        HTTPStatus.CONFLICT,
        "This Idempotency-Key was already used with a different request body",
    )


@app.exception_handler(IdempotencyAlreadyInProgressError)
def _key_in_flight(_: IdempotencyAlreadyInProgressError) -> Response[Any]:
    return _error(
        HTTPStatus.CONFLICT,
        "A request with this Idempotency-Key is still being processed; retry shortly",
    )


@app.exception_handler([ClientError, BotoCoreError, CatalogUnavailable])
def _unavailable(_: Exception) -> Response[Any]:
    log.exception("Dependency failed")
    return _error(HTTPStatus.SERVICE_UNAVAILABLE, "Temporarily unavailable; retry shortly")


@app.post("/orders", responses={201: {"description": "Order accepted"}})
def create_order(order: CreateOrder) -> Response[OrderCreatedResponse]:
    headers = app.current_event.headers
    correlation_id = log.get_correlation_id() or str(uuid.uuid4())
    api = bootstrap.api()
    key = headers.get("Idempotency-Key")
    if key:
        api.idempotency.config.register_lambda_context(app.lambda_context)
        created = api.place_once(
            request={
                "key": key,
                "body": order.model_dump(mode="json"),
                "correlation_id": correlation_id,
            }
        )
    else:
        created = api.place(order, correlation_id)
    log.info("Order created", extra={"order_id": created.order_id, "total": created.total})
    return Response(
        status_code=HTTPStatus.CREATED.value,
        content_type="application/json",
        body=created,
        headers={"Location": f"/orders/{created.order_id}"},
    )


@app.get("/orders/<order_id>")
def read_order(order_id: str) -> OrderView:
    return get_order(order_id, orders=bootstrap.api().orders)


@log.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


def openapi_document() -> dict[str, Any]:
    return json.loads(app.get_openapi_json_schema(title="orderflow orders API", version="1.0.0"))
