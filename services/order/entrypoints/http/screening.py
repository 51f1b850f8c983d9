"""What the API decides before the resolver sees a request: the body's size, type, encoding and shape.

API Gateway hands the function the body as a string (or base64 for bytes that are not text).
Before it is parsed: a body over MAX_BODY_BYTES is 413; where a route reads a body, one sent as
another media type than application/json (any case; charset, if given, utf-8) is 415, and one
sent without a Content-Type is read as JSON; a body that is not UTF-8, is nested deeper than
MAX_NESTING, or is not JSON is 400. Numbers of any length parse: one too long to be an integer
the API accepts becomes a value no field accepts, so the schema names the field (422). A number
with a zero fraction (2.0, 2e0) is the integer it equals, as JSON Schema counts integers.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from services.order.entrypoints.http.contracts import MAX_BODY_BYTES

MAX_NESTING = 32
_MAX_INTEGER_DIGITS = 30
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')
_BRACKETS = re.compile(r"[\[\]{}]")


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    message: str


class OversizedNumber:
    """A JSON number with more digits than any field takes: pydantic refuses it for every type."""

    def __init__(self, text: str) -> None:
        self.digits = len(text)

    def __repr__(self) -> str:
        return f"<number with {self.digits} digits>"


def _integer(text: str) -> int | OversizedNumber:
    return int(text) if len(text) <= _MAX_INTEGER_DIGITS else OversizedNumber(text)


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 10**_MAX_INTEGER_DIGITS:
        return int(value)
    return value  # a fraction, or too large to be any integer the API takes: no integer field takes it


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str) -> Any:
    """json.loads for request bodies: no NaN or Infinity, integers of any length parse safely."""
    try:
        return json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as error:
        raise json.JSONDecodeError(str(error), text, 0) from None


def too_deep(text: str, limit: int = MAX_NESTING) -> bool:
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def screen(event: dict[str, Any], *, reads_body: bool = True) -> tuple[dict[str, Any], Refusal | None]:
    """The event with its body as UTF-8 JSON text, or why the request is refused. `reads_body`:
    whether the route the request is for reads a body (only then does its media type matter)."""
    body = event.get("body")
    if body is None or body == "":
        return event, None
    if not isinstance(body, str):
        return event, Refusal(HTTPStatus.BAD_REQUEST, "The request body is not text")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return event, Refusal(HTTPStatus.BAD_REQUEST, "The request body is not valid base64")
        if len(raw) > MAX_BODY_BYTES:
            return event, _too_large()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return event, Refusal(HTTPStatus.BAD_REQUEST, "The request body is not UTF-8 text")
        event = {**event, "body": body, "isBase64Encoded": False}
    elif len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return event, _too_large()
    if reads_body:
        if not _is_json(event):
            return event, Refusal(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json")
        event = _as_json(event)
    if too_deep(body):
        return event, Refusal(
            HTTPStatus.BAD_REQUEST, f"The request body is nested deeper than {MAX_NESTING} levels"
        )
    return event, None


def _content_types(event: dict[str, Any]) -> list[str]:
    single = [v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"]
    multi = [
        v
        for k, vs in (event.get("multiValueHeaders") or {}).items()
        if k.lower() == "content-type"
        for v in vs
    ]
    return [str(value) for value in single + multi]


def _is_json(event: dict[str, Any]) -> bool:
    """Whether every Content-Type the request has (none: yes) says UTF-8 JSON."""
    for value in _content_types(event):
        media_type, *parameters = (part.strip().lower() for part in value.split(";"))
        names_values = [parameter.partition("=") for parameter in parameters]
        charsets = [value.strip().strip('"') for name, _, value in names_values if name.strip() == "charset"]
        if media_type != "application/json" or any(charset != "utf-8" for charset in charsets):
            return False
    return True


def _as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The event with one Content-Type, application/json: what the resolver parses as JSON."""

    def others(headers: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}

    return {
        **event,
        "headers": {**others(event.get("headers")), "Content-Type": "application/json"},
        "multiValueHeaders": {**others(event.get("multiValueHeaders")), "Content-Type": ["application/json"]},
    }


def _too_large() -> Refusal:
    return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The request body is over {MAX_BODY_BYTES} bytes")
