"""The order API's one map from errors to HTTP, and its routes as the OpenAPI document names
them. `install` registers the map on the resolver: every exception the use cases raise, and the
resolver's own (validation, media type, no route), becomes one ErrorResponse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from botocore.exceptions import BotoCoreError, ClientError

from services.order.domain.order import OrderNotFound
from services.order.domain.pricing import OrderError
from services.order.entrypoints.http.contracts import ErrorResponse, FieldError
from services.order.usecases.orders import CatalogUnavailable, Contention, KeyInFlight, KeyReused

RETRY_AFTER_SECONDS = 1


class Route:
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


def routes_of(document: dict[str, Any]) -> list[Route]:
    """The routes an OpenAPI document declares, sorted by path, then method."""
    return sorted(
        (
            Route(method.upper(), path, body="requestBody" in operation)
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
        ),
        key=lambda route: (route.path, route.method),
    )


def error(
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


def field_path(loc: tuple[Any, ...]) -> str:
    """("body", "items", 0, "quantity") -> "items[0].quantity"; ("header", "x") -> "header.x"."""
    path = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def no_such_order(path: str) -> Response[Any]:
    return error(HTTPStatus.NOT_FOUND, f"No order at {path}")


def install(app: APIGatewayRestResolver, log: Logger, routes: Callable[[], Sequence[Route]]) -> None:
    """Register the map on `app`; `routes` names what exists (for 404 and 405)."""

    @app.exception_handler(RequestValidationError)
    def _invalid_request(problem: RequestValidationError) -> Response[Any]:
        problems = list(problem.errors())
        kinds = {p.get("type") for p in problems}
        if "json_invalid" in kinds:
            return error(HTTPStatus.BAD_REQUEST, "The request body is not valid JSON")
        if any(p["loc"][:1] == ("path",) for p in problems):
            # An id of another form than the API makes names nothing: not found, like an unknown one.
            return no_such_order(app.current_event.path)
        return error(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "The request does not match the schema",
            [FieldError(field=field_path(tuple(p["loc"])), message=p["msg"]) for p in problems],
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media(_: RequestUnsupportedContentType) -> Response[Any]:
        return error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json")

    @app.exception_handler(OrderError)
    def _refused(refusal: OrderError) -> Response[Any]:
        return error(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            refusal.message,
            [FieldError(field=refusal.field, message=refusal.message)],
        )

    @app.exception_handler(OrderNotFound)
    def _no_order(missing: OrderNotFound) -> Response[Any]:
        return error(HTTPStatus.NOT_FOUND, f"No order with id {missing}")

    @app.exception_handler(KeyReused)
    def _key_reused(_: KeyReused) -> Response[Any]:
        return error(
            HTTPStatus.CONFLICT, "This Idempotency-Key was already used with a different request body"
        )

    @app.exception_handler(KeyInFlight)
    def _key_in_flight(_: KeyInFlight) -> Response[Any]:
        return error(
            HTTPStatus.CONFLICT,
            "A request with this Idempotency-Key is still being processed; retry shortly",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler([ClientError, BotoCoreError, CatalogUnavailable, Contention])
    def _unavailable(_: Exception) -> Response[Any]:
        log.exception("Dependency failed")
        return error(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "Temporarily unavailable; retry shortly (with the same Idempotency-Key)",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response[Any]:
        event = app.current_event
        allowed = sorted({route.method for route in routes() if route.matches(event.path)})
        if event.http_method in allowed:
            # The path has the shape of a route but a parameter the router cannot take (e.g. a "\\").
            return no_such_order(event.path)
        if allowed:
            return error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{event.http_method} is not allowed on {event.path}; use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        listing = ", ".join(f"{route.method} {route.path}" for route in routes())
        return error(HTTPStatus.NOT_FOUND, f"No route for {event.path}. Routes: {listing}")
