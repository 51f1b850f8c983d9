"""What the API decides before the resolver sees a request: the body's size, encoding and shape.

API Gateway hands the function the body as a string (or base64 for bytes that are not text).
Before it is parsed: a body over MAX_BODY_BYTES is 413; one that is not UTF-8, is nested deeper
than MAX_NESTING, or is not JSON is 400. Numbers of any length parse: one too long to be an
integer the API accepts becomes a value no field accepts, so the schema names the field (422).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from services.order.contracts import MAX_BODY_BYTES

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


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str) -> Any:
    """json.loads for request bodies: no NaN or Infinity, integers of any length parse safely."""
    try:
        return json.loads(text, parse_int=_integer, parse_constant=_constant)
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


def screen(event: dict[str, Any]) -> tuple[dict[str, Any], Refusal | None]:
    """The event with its body as UTF-8 text, or why the request is refused."""
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
    if too_deep(body):
        return event, Refusal(
            HTTPStatus.BAD_REQUEST, f"The request body is nested deeper than {MAX_NESTING} levels"
        )
    return event, None


def _too_large() -> Refusal:
    return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The request body is over {MAX_BODY_BYTES} bytes")
