"""The HTTP contract of the order API: what it answers, and the bound on what it reads. The
request body is the use case's command (usecases/commands.py).

Every constraint here is the one the API validates with and the one services/order/openapi.json
declares: the document is generated from these models (make schemas), never written by hand.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

MAX_BODY_BYTES = 32 * 1024


class FieldError(BaseModel):
    field: str = Field(description="the input that is wrong, e.g. `items[0].sku` or `header.idempotency-key`")
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx the API answers (API Gateway's own errors carry only `message`)."""

    message: str
    errors: list[FieldError] = Field(default=[], description="one entry per offending field, if any")


# An order the local stack's catalog prices (services/order/catalog.json); documentation only.
EXAMPLE_ORDER: dict[str, Any] = {
    "customer": {"id": "cus_42", "email": "ada@example.com", "name": "Ada Lovelace"},
    "items": [{"sku": "BOOK-001", "quantity": 2}],
    "shipping_address": {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    },
    "payment": {"token": "tok_visa"},
}
