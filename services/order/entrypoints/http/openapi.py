"""The OpenAPI document of the order API (services/order/openapi.json), generated, never edited.

Powertools generates it from the routes in api.py and the models in contracts.py, with the
responses spec.py declares; finish() is the one place the generated document is post-processed.
The API imports none of this: at run time it serves, and routes by, the committed file.

python -m services.order.entrypoints.http.openapi --write   # regenerate (make schemas)
python -m services.order.entrypoints.http.openapi           # exit 1 when the file drifted
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from services.order.entrypoints.http import spec
from services.order.entrypoints.http.api import app
from services.shared.schemas import render, write_or_check


def openapi_document() -> dict[str, Any]:
    """The document as the routes declare it today (the committed file is this, rendered)."""
    generated = app.get_openapi_json_schema(
        title=spec.TITLE,
        version=spec.VERSION,
        description=spec.DESCRIPTION,
        security_schemes=spec.SECURITY_SCHEMES,
        security=spec.SECURITY,
    )
    return finish(json.loads(generated))


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
    return {spec.OPENAPI_FILE: render(openapi_document())}


if __name__ == "__main__":
    sys.exit(write_or_check(documents()))
