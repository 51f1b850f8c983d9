"""Does one response conform to the committed OpenAPI document? The fuzzer's response checks, for
responses the fuzzer cannot provoke (a failing dependency, a body over the limit, a key in flight):
the integration tests pass every response they get through problems()."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

DOCUMENT = Path(__file__).resolve().parents[2] / "services" / "order" / "openapi.json"


@cache
def document() -> dict[str, Any]:
    return json.loads(DOCUMENT.read_text())


def template_of(path: str) -> str | None:
    """The document's path that `path` is an instance of, e.g. /orders/{order_id}."""
    for template in document()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return template
    return None


def _valid(instance: Any, schema: dict[str, Any], where: str = "body") -> list[str]:
    # The document is the root, so that "#/components/schemas/..." references resolve.
    validator = Draft202012Validator({**document(), **schema})
    return [
        where + "".join(f"/{part}" for part in error.absolute_path) + f": {error.message}"
        for error in validator.iter_errors(instance)
    ]


def problems(
    method: str, path: str, status: int, headers: dict[str, str], body: str | bytes | None
) -> list[str]:
    """What in this response the document does not declare (nothing for a path it does not have:
    the 404 listing the routes)."""
    template = template_of(path)
    if template is None:
        return []
    operations = document()["paths"][template]
    operation = operations.get(method.lower())
    if operation is None:
        if status != 405:
            return [f"{method} {template} is not declared, and the answer is {status}, not 405"]
        operation = next(iter(operations.values()))  # each operation declares its path's 405
    declared = operation["responses"].get(str(status))
    if declared is None:
        return [f"{method} {template}: {status} is not declared ({', '.join(operation['responses'])})"]
    found: list[str] = []
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, header in (declared.get("headers") or {}).items():
        value = lowered.get(name.lower())
        if value is None:
            if header.get("required"):
                found.append(f"{status}: header {name} is missing")
            continue
        coerced: Any = int(value) if header["schema"].get("type") == "integer" and value.isdigit() else value
        found += [f"{status}: {p}" for p in _valid(coerced, header["schema"], f"header {name}")]
    content = declared.get("content") or {}
    if method.upper() == "HEAD" or not content:
        return found
    media_type = lowered.get("content-type", "").split(";")[0].strip()
    if media_type not in content:
        return [*found, f"{status}: Content-Type {media_type!r} is not declared ({', '.join(content)})"]
    text = body.decode() if isinstance(body, bytes) else body or ""
    try:
        instance = json.loads(text)
    except ValueError:
        return [*found, f"{status}: the body is not JSON: {text[:80]!r}"]
    return found + [f"{status}: {p}" for p in _valid(instance, content[media_type]["schema"])]
