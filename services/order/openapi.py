"""The OpenAPI document of the order API (services/order/openapi.json), generated, never edited.

Powertools generates it from the routes in api.py and the models in contracts.py; the responses
below are what those routes declare, and finish() is the one place the generated document is
post-processed. `GET /openapi.json` serves the same document.

python -m services.order.openapi --write   # regenerate (make schemas)
python -m services.order.openapi           # exit 1 when the file drifted
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, SecurityScheme
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader

from services.order.contracts import MAX_BODY_BYTES, ErrorResponse
from services.order.screening import MAX_NESTING
from services.shared.schemas import render, write_or_check

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"
TITLE = "orderflow orders API"
VERSION = "1.0.0"
API_KEY_HEADER = "x-api-key"
DESCRIPTION = f"""Place orders and follow them through payment and shipment.

Every error, whatever its status, has the body `ErrorResponse`: a `message`, and under `errors` the
fields that are wrong (`items[0].quantity`, `shipping_address.country`, `header.idempotency-key`).
A request body is JSON (`Content-Type: application/json`), UTF-8, at most {MAX_BODY_BYTES} bytes and
nested at most {MAX_NESTING} levels deep. Bad input is a 4xx naming what is wrong; a failing
dependency is 503 with `Retry-After`."""

SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "apiKey": APIKey(
        name=API_KEY_HEADER,
        in_=APIKeyIn.header,
        description="Required on every request. In AWS, API Gateway requires the key of a usage plan "
        "(`make api-key` prints it); the local stack (`make run`) requires its own key, which its "
        "banner prints and its stack.json holds. Without the key, or with another, the answer is 403 "
        '`{"message": "Forbidden"}` and the request goes no further.',
    )
}
SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}]


def header(description: str, schema: dict[str, Any], *, required: bool = True) -> OpenAPIResponseHeader:
    # `required` is part of an OpenAPI header object; Powertools' TypedDict does not list it.
    return cast(OpenAPIResponseHeader, {"description": description, "schema": schema, "required": required})


def retry_after(*, required: bool) -> dict[str, OpenAPIResponseHeader]:
    return {
        "Retry-After": header(
            "seconds to wait before retrying", {"type": "integer", "minimum": 1}, required=required
        )
    }


def error(description: str, headers: dict[str, OpenAPIResponseHeader] | None = None) -> OpenAPIResponse:
    response: OpenAPIResponse = {
        "description": description,
        "content": {"application/json": {"model": ErrorResponse}},
    }
    if headers:
        response["headers"] = headers
    return response


BAD_REQUEST = error(
    f"The body is not JSON, not UTF-8 text, or nested deeper than {MAX_NESTING} levels; or the "
    "request's Content-Length is malformed"
)
TOO_LARGE = error(f"The body is over {MAX_BODY_BYTES} bytes")
NOT_ALLOWED = error(
    "Another method than the ones this path has: `Allow` lists them",
    {
        "Allow": header(
            "the methods this path has", {"type": "string", "pattern": r"^[A-Z]+(, [A-Z]+)*$"}, required=True
        )
    },
)
FORBIDDEN = error(
    f"From API Gateway (and the local stack's gateway): no `{API_KEY_HEADER}` header, or not a valid "
    'key. The body is `{"message": "Forbidden"}`, whatever else the request has wrong'
)
THROTTLED = error("In AWS only, from API Gateway: over the usage plan's rate or quota; retry later")
UNAVAILABLE = error(
    "A dependency failed; nothing was decided. Retry after `Retry-After` seconds",
    retry_after(required=True),
)


def common(*, body: bool, dependencies: bool = True) -> dict[int, OpenAPIResponse]:
    """What every operation may answer besides its own outcomes: `body` when it reads one,
    `dependencies` when it calls any (and may then answer 503)."""
    responses = {
        HTTPStatus.BAD_REQUEST: BAD_REQUEST,
        HTTPStatus.FORBIDDEN: FORBIDDEN,
        HTTPStatus.METHOD_NOT_ALLOWED: NOT_ALLOWED,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: TOO_LARGE,
        HTTPStatus.TOO_MANY_REQUESTS: THROTTLED,
        HTTPStatus.SERVICE_UNAVAILABLE: UNAVAILABLE,
    }
    if not body:
        # A body sent where none is read is still refused when it is too large or not UTF-8 text.
        responses[HTTPStatus.BAD_REQUEST] = error(
            "A body was sent that is not UTF-8 text or is nested too deep (none is read here), or the "
            "request's Content-Length is malformed"
        )
    if not dependencies:
        del responses[HTTPStatus.SERVICE_UNAVAILABLE]
    return {int(status): response for status, response in responses.items()}


POWERTOOLS_VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


def finish(document: dict[str, Any]) -> dict[str, Any]:
    """The generated document, without what Powertools declares and this API never answers.

    Powertools declares a 422 with its HTTPValidationError body on every route it validates. This
    API answers 422 with ErrorResponse, and only where a route declares it (a malformed order id
    is 404): the routes that answer 422 replace Powertools' declaration with their own; on the
    others it is dropped, and so are the component schemas nothing refers to any more."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if POWERTOOLS_VALIDATION_ERROR in _refs(responses.get("422")):
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    used: set[str] = set()
    pending = [{key: value for key, value in document.items() if key != "components"}]
    while pending:
        node = pending.pop()
        for ref in _refs(node):
            name = ref.removeprefix("#/components/schemas/")
            if name not in used and name in schemas:
                used.add(name)
                pending.append(schemas[name])
    for name in set(schemas) - used:
        del schemas[name]
    return document


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def documents() -> dict[Path, str]:
    from services.order.api import openapi_document

    return {OPENAPI_FILE: render(openapi_document())}


if __name__ == "__main__":
    sys.exit(write_or_check(documents()))
