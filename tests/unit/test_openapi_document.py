"""The committed OpenAPI document says what the API does: every status, the real constraints, from
the sources the API validates with (make schemas regenerates it; test_contracts guards the drift)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import EmailStr, TypeAdapter

from services.order.domain.order import ORDER_ID_PATTERN, new_order_id
from services.order.domain.pricing import PRICING_FILE, PricingRules
from services.order.entrypoints.http.contracts import MAX_BODY_BYTES
from services.order.usecases import commands
from services.order.usecases.commands import (
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    MAX_LINES,
    MAX_QUANTITY,
    RESERVED_DOMAINS,
    SKU_PATTERN,
    SUPPORTED_COUNTRIES,
    CreateOrder,
)

DOCUMENT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "services" / "order" / "openapi.json").read_text()
)
SCHEMAS = DOCUMENT["components"]["schemas"]
POST = DOCUMENT["paths"]["/orders"]["post"]
GET = DOCUMENT["paths"]["/orders/{order_id}"]["get"]
DOC = DOCUMENT["paths"]["/openapi.json"]["get"]
ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
OPERATIONS = {"POST /orders": POST, "GET /orders/{order_id}": GET, "GET /openapi.json": DOC}


def schema_of(response: dict[str, Any]) -> Any:
    return response["content"]["application/json"]["schema"]


def test_the_document_has_exactly_the_routes_the_api_serves() -> None:
    assert {f"{m.upper()} {p}" for p, ops in DOCUMENT["paths"].items() for m in ops} == set(OPERATIONS)


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("POST /orders", {201, 400, 403, 405, 409, 413, 415, 422, 429, 503}),
        ("GET /orders/{order_id}", {200, 400, 403, 404, 405, 413, 429, 503}),
        ("GET /openapi.json", {200, 400, 403, 405, 413, 429}),
    ],
)
def test_each_operation_declares_every_status_it_answers(operation: str, statuses: set[int]) -> None:
    responses = OPERATIONS[operation]["responses"]
    assert {int(status) for status in responses} == statuses
    for status, response in responses.items():
        if int(status) >= 400:
            assert schema_of(response) == ERROR, f"{operation} {status}"
        assert response["description"]


def test_powertools_validation_error_schema_is_gone() -> None:
    text = json.dumps(DOCUMENT)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in SCHEMAS
    assert SCHEMAS["ErrorResponse"]["required"] == ["message"]  # API Gateway's own errors have no `errors`


def test_retry_after_is_promised_on_503_and_may_come_with_409() -> None:
    for operation in (POST, GET):
        assert operation["responses"]["503"]["headers"]["Retry-After"]["required"] is True
    assert POST["responses"]["409"]["headers"]["Retry-After"]["required"] is False
    for operation in OPERATIONS.values():
        assert operation["responses"]["405"]["headers"]["Allow"]["required"] is True


def test_countries_are_the_pricing_files_and_nothing_else() -> None:
    raw = json.loads(PRICING_FILE.read_text())["tax_basis_points"]
    country = SCHEMAS["ShippingAddress"]["properties"]["country"]
    assert (
        country["enum"]
        == sorted(raw)
        == list(PricingRules.from_file().countries)
        == list(SUPPORTED_COUNTRIES)
    )
    assert CreateOrder.model_json_schema()["$defs"]["ShippingAddress"]["properties"]["country"] == country


def test_the_request_schema_carries_the_validation_constants() -> None:
    item = SCHEMAS["OrderItem"]["properties"]
    assert item["sku"]["pattern"] == SKU_PATTERN
    assert (item["sku"]["minLength"], item["sku"]["maxLength"]) == (1, commands.SKU_MAX_LENGTH)
    assert "422" in item["sku"]["description"]
    assert (item["quantity"]["minimum"], item["quantity"]["maximum"]) == (1, MAX_QUANTITY)
    items = SCHEMAS["CreateOrder"]["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, MAX_LINES)
    for model in ("OrderCustomer", "ShippingAddress", "Payment"):
        for name, field in SCHEMAS[model]["properties"].items():
            if name not in ("email", "country"):
                variants = field.get("anyOf", [field])
                assert any(v.get("pattern") == r"^[^\x00-\x1F\x7F]*$" for v in variants), f"{model}.{name}"
    email = SCHEMAS["OrderCustomer"]["properties"]["email"]
    assert (email["pattern"], email["maxLength"]) == (EMAIL_PATTERN, EMAIL_MAX_LENGTH)
    assert "format" not in email
    assert POST["x-max-body-bytes"] == MAX_BODY_BYTES
    assert str(MAX_BODY_BYTES) in POST["requestBody"]["description"]
    assert "catalog" in POST["responses"]["422"]["description"]


def test_the_idempotency_key_and_the_api_key_are_declared() -> None:
    (key,) = POST["parameters"]
    assert (key["name"], key["in"], key["required"]) == ("idempotency-key", "header", False)
    assert key["schema"]["anyOf"][0]["pattern"] == r"^[\x21-\x7E]{1,255}$"
    scheme = DOCUMENT["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")
    assert "local" in scheme["description"]
    assert DOCUMENT["security"] == [{"apiKey": []}]


def test_order_ids_are_declared_as_the_api_makes_them() -> None:
    (order_id,) = GET["parameters"]
    assert order_id["schema"]["pattern"] == ORDER_ID_PATTERN
    assert re.fullmatch(ORDER_ID_PATTERN, new_order_id())
    assert SCHEMAS["OrderCreatedResponse"]["properties"]["order_id"]["pattern"] == ORDER_ID_PATTERN
    link = POST["responses"]["201"]["links"]["GetOrder"]
    assert link == {
        **link,
        "operationId": GET["operationId"],
        "parameters": {"order_id": "$response.body#/order_id"},
    }


def test_the_example_is_an_order_the_api_takes() -> None:
    (example,) = POST["requestBody"]["content"]["application/json"]["examples"].values()
    assert CreateOrder.model_validate(example["value"])


def test_the_largest_order_the_schema_allows_fits_under_the_body_limit() -> None:
    """So a schema-valid order is never a 413: every text field at its longest, in characters that
    take the most bytes as JSON (an astral character escaped: 12 bytes), every line at its longest."""

    def text(length: int) -> str:
        return "\U0001f600" * length

    largest = {
        "customer": {"id": text(64), "email": "a" * (EMAIL_MAX_LENGTH - 6) + "@b.com", "name": text(200)},
        "items": [{"sku": "A" * commands.SKU_MAX_LENGTH, "quantity": MAX_QUANTITY}] * MAX_LINES,
        "shipping_address": {
            "name": text(200),
            "line1": text(200),
            "line2": text(200),
            "city": text(100),
            "postal_code": text(20),
            "country": SUPPORTED_COUNTRIES[0],
        },
        "payment": {"token": text(100)},
    }
    CreateOrder.model_validate(largest)
    assert len(json.dumps(largest, indent=2).encode()) <= MAX_BODY_BYTES


@pytest.mark.parametrize(
    ("email", "taken"),
    [
        ("ada@example.com", True),
        ("A.B+tag@Mail.Example.CO.UK", True),
        ("o'brien@b-c.de", True),
        ("a@b.test", False),
        ("a@B.LocalHost", False),
        ("a..b@c.com", False),
        ('"a b"@c.com', False),
        ("a@[127.0.0.1]", False),
        ("a@b", False),
        ("a@ab--cd.com", False),
        ("ü@b.de", False),
    ],
)
def test_emails_are_taken_exactly_as_the_document_says(email: str, taken: bool) -> None:
    declared = bool(re.fullmatch(EMAIL_PATTERN, email)) and not email.lower().endswith(
        tuple(f".{name}" for name in RESERVED_DOMAINS)
    )
    adapter = TypeAdapter(commands.DeliverableEmail)
    try:
        adapter.validate_python(email)
        accepted = True
    except ValueError:
        accepted = False
    assert declared is accepted is taken


def test_every_address_the_pattern_allows_is_one_the_events_take() -> None:
    """The API validates emails with EMAIL_PATTERN; its events with EmailStr. An address the first
    takes and the second refuses would be an order accepted that cannot be announced."""
    hypothesis = pytest.importorskip("hypothesis", reason="hypothesis (a schemathesis dependency) is missing")
    strategies = hypothesis.strategies
    events = TypeAdapter(EmailStr)
    api = TypeAdapter(commands.DeliverableEmail)

    # Also a part of the same language, over a few characters: each character class keeps only
    # those of "aZ9-.+'" it has, so hyphens and dots land next to each other often enough to find a
    # structure EmailStr refuses (such as "ab--cd" in a domain).
    def narrowed(match: re.Match[str]) -> str:
        kept = [c for c in "aZ9-.+'" if re.fullmatch(match.group(0), c)]
        return "[" + "".join(re.escape(c) for c in kept) + "]"

    narrow = re.sub(r"\[[^\]]+\]", narrowed, EMAIL_PATTERN)
    addresses = strategies.from_regex(EMAIL_PATTERN, fullmatch=True) | strategies.from_regex(
        narrow, fullmatch=True
    )

    @hypothesis.settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @hypothesis.given(addresses)
    def taken_by_both(email: str) -> None:
        hypothesis.assume(len(email) <= EMAIL_MAX_LENGTH)
        hypothesis.assume(email.rpartition(".")[2].lower() not in RESERVED_DOMAINS)
        assert api.validate_python(email) == events.validate_python(email)

    taken_by_both()
