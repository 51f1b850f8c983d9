"""The command that places an order, CreateOrder: what a customer asks for. Clients never send prices.

It is the request body of POST /orders, validated at the edge (entrypoints/http), and what the
use case takes. Every constraint here is the one the API validates with and the one
services/order/openapi.json declares: the document is generated from these models (make schemas).
"""

from __future__ import annotations

from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, TypeAdapter

from services.order.domain.pricing import PricingRules
from services.shared.events import NO_CONTROL_CHARACTERS, Address, Customer

SKU_MAX_LENGTH = 32
SKU_PATTERN = rf"^[A-Z0-9][A-Z0-9-]{{0,{SKU_MAX_LENGTH - 1}}}$"
MAX_LINES = 100
MAX_QUANTITY = 1000
# The destinations the pricing rules tax: the only ones an order may ship to.
SUPPORTED_COUNTRIES: tuple[str, ...] = PricingRules.from_file().countries


def _supported_country(country: str) -> str:
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(
            f"we do not deliver to {country[:20]}; we deliver to {', '.join(SUPPORTED_COUNTRIES)}"
        )
    return country


# The addresses the API takes: dot-atom ASCII local parts, and domains of letters, digits and single
# hyphens under a top-level domain of letters. Every one of them is an address the events'
# EmailStr takes (tests/unit/test_openapi_document.py checks it on generated ones), so validating with
# this pattern is the whole rule, and the document can state it exactly; `format: email` could not
# (it allows quoted local parts, IP literals and reserved domains, which EmailStr refuses).
_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = "(?:[A-Za-z0-9]{1,20}-){0,2}[A-Za-z0-9]{1,20}"
EMAIL_PATTERN = rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{1,63}}$"
EMAIL_MAX_LENGTH = 254
# Reserved top-level domains (RFC 6761 and its kin) no mail goes to, as email-validator lists them.
RESERVED_DOMAINS: tuple[str, ...] = tuple(SPECIAL_USE_DOMAIN_NAMES)
_RESERVED_PATTERN = (
    r"\.(?:"
    + "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in name) for name in RESERVED_DOMAINS)
    + ")$"
)
_EMAIL = TypeAdapter(EmailStr)


def _deliverable(email: str) -> str:
    if email.rpartition(".")[2].lower() in RESERVED_DOMAINS:
        raise ValueError(f"no mail is delivered to a domain under .{email.rpartition('.')[2].lower()}")
    return str(_EMAIL.validate_python(email))


DeliverableEmail = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        pattern=EMAIL_PATTERN,
        description="an email address: dot-atom ASCII before the @; after it, a domain of letters, "
        "digits and single hyphens, under a top-level domain of letters that is not reserved ("
        + ", ".join(f".{name}" for name in RESERVED_DOMAINS)
        + ")",
        json_schema_extra={"not": {"pattern": _RESERVED_PATTERN}},
    ),
    AfterValidator(_deliverable),
]


# Validated and declared (as the schema's enum) from the same tuple.
SupportedCountry = Annotated[
    str,
    Field(
        description="ISO-3166 alpha-2 code of a country we deliver to (the pricing rules' tax table)",
        json_schema_extra={"enum": list(SUPPORTED_COUNTRIES)},
    ),
    AfterValidator(_supported_country),
]


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderItem(Request):
    sku: Annotated[
        str,
        Field(
            min_length=1,
            max_length=SKU_MAX_LENGTH,
            pattern=SKU_PATTERN,
            description="a catalog SKU. The catalog changes while the API runs, so no schema can list "
            "its SKUs: one of this form may still be refused with 422 (naming `items[i].sku`) when the "
            "catalog does not hold it or no longer sells it",
        ),
    ]
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY, strict=True)]


class Payment(Request):
    token: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            pattern=NO_CONTROL_CHARACTERS,
            description="the payment provider's token for the card; never card data",
        ),
    ]


class OrderCustomer(Customer):
    """The event's customer, with the email addresses narrowed to those the document can state."""

    email: DeliverableEmail


class ShippingAddress(Address):
    """The event's address, with the destinations narrowed to those we deliver to."""

    country: SupportedCountry


class CreateOrder(Request):
    customer: OrderCustomer
    items: Annotated[list[OrderItem], Field(min_length=1, max_length=MAX_LINES)]
    shipping_address: ShippingAddress
    payment: Payment
