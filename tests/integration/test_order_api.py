"""The order API under moto: validation, pricing, the outbox, idempotency keys, bad input, reads."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from services.order.entrypoints.http import api
from services.order.usecases.commands import SUPPORTED_COUNTRIES
from tests.contract import conformance
from tests.integration.helpers import VALID, call, respond
from tests.support import LambdaContext, api_event


def with_changes(**changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(VALID))
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[leaf] = value
    return body


@pytest.fixture
def order_api(function_env: Any) -> None:
    function_env("order-api")


def stored(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return aws["dynamodb"].scan(TableName=aws["stack"].tables["orders"])["Items"]


# -- placing -------------------------------------------------------------------------------


def test_post_prices_from_the_catalog_and_stores_the_order_with_its_event_pending(
    order_api: None, aws: dict[str, Any], published: Any
) -> None:
    status, body, headers = call("POST", "/orders", VALID)

    assert status == 201
    assert headers["Location"] == f"/orders/{body['order_id']}"
    # 2 x BOOK-001 at 12.99; GB tax 20% of 25.98 = 5.196 -> 5.20; shipping 4.99 under 50.00.
    assert (body["subtotal"], body["tax"], body["shipping"], body["total"]) == (2598, 520, 499, 3617)
    assert body["currency"] == "GBP"
    assert body["status"] == "ORDER_CREATED"
    (item,) = stored(aws)
    assert item["outbox"] == {"S": "ORDER_CREATED"}
    assert item["payment_token"] == {"S": "tok_visa"}
    # Nothing is published on the request path: the relay does it from the table's stream.
    assert published("invoice") == []


def test_the_order_is_accepted_while_the_topic_is_unreachable(
    order_api: None, aws: dict[str, Any], published: Any
) -> None:
    aws["sns"].delete_topic(TopicArn=aws["stack"].topic_arn)
    status, body, _ = call("POST", "/orders", VALID)
    assert status == 201
    assert stored(aws)[0]["order_id"]["S"] == body["order_id"]


def test_free_shipping_from_the_threshold(order_api: None) -> None:
    body = with_changes(items=[{"sku": "BOOK-002", "quantity": 3}])  # 73.50 >= 50.00
    status, created, _ = call("POST", "/orders", body)
    assert status == 201
    assert (created["subtotal"], created["shipping"], created["tax"]) == (7350, 0, 1470)


def test_an_order_over_the_maximum_total_is_422(order_api: None, aws: dict[str, Any]) -> None:
    body = with_changes(items=[{"sku": "LAMP-001", "quantity": 1000}])  # 89,000.00 + tax
    status, error, _ = call("POST", "/orders", body)
    assert status == 422
    assert [e["field"] for e in error["errors"]] == ["items"]
    assert "maximum" in error["message"]
    assert stored(aws) == []


# -- idempotency keys ------------------------------------------------------------------------


def test_same_idempotency_key_same_body_gives_one_order(order_api: None, aws: dict[str, Any]) -> None:
    first = call("POST", "/orders", VALID, {"Idempotency-Key": "key-1"})
    again = call("POST", "/orders", VALID, {"Idempotency-Key": "key-1"})
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert first[2]["Location"] == again[2]["Location"]
    assert len(stored(aws)) == 1


def test_a_retry_after_a_failure_past_the_write_returns_the_same_order(
    order_api: None, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client saw an error (here: the function failed after its write); it retries with the
    same key and gets the order that was stored, not a second one."""
    from services.order.entrypoints.http import api as module

    real = module.created_view
    failing = {"left": 1}

    def once_broken(order: Any) -> Any:
        if failing["left"]:
            failing["left"] -= 1
            raise ConnectionResetError("the response was lost")
        return real(order)

    monkeypatch.setattr(module, "created_view", once_broken)
    with pytest.raises(ConnectionResetError):
        call("POST", "/orders", VALID, {"Idempotency-Key": "key-lost"})
    status, body, _ = call("POST", "/orders", VALID, {"Idempotency-Key": "key-lost"})
    assert status == 201
    assert [item["order_id"]["S"] for item in stored(aws)] == [body["order_id"]]


def test_same_idempotency_key_other_body_is_409(order_api: None, aws: dict[str, Any]) -> None:
    assert call("POST", "/orders", VALID, {"Idempotency-Key": "key-2"})[0] == 201
    status, error, _ = call(
        "POST", "/orders", with_changes(items__0__quantity=3), {"Idempotency-Key": "key-2"}
    )
    assert status == 409
    assert "different request body" in error["message"]
    assert len(stored(aws)) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "naïve"])
def test_a_malformed_idempotency_key_is_refused_naming_the_header(order_api: None, key: str) -> None:
    status, error, _ = call("POST", "/orders", VALID, {"Idempotency-Key": key})
    assert status == 422
    assert any("idempotency-key" in e["field"].lower() for e in error["errors"]), error


def test_without_a_key_each_post_is_a_new_order(order_api: None) -> None:
    ids = {call("POST", "/orders", VALID)[1]["order_id"] for _ in range(3)}
    assert len(ids) == 3


# -- reads -----------------------------------------------------------------------------------


def test_get_returns_the_order_and_404_for_unknown(order_api: None) -> None:
    _, created, _ = call("POST", "/orders", VALID)
    status, view, _ = call("GET", f"/orders/{created['order_id']}")
    assert status == 200
    assert view["status"] == "ORDER_CREATED"
    assert view["complete"] is False
    assert view["payment"] is None
    assert view["attention"] is None
    assert [t["status"] for t in view["timeline"]] == ["ORDER_CREATED"]
    assert view["total"] == created["total"]
    assert "payment_token" not in json.dumps(view)
    assert call("GET", "/orders/ord_doesnotexist")[0] == 404


def test_dependency_failure_is_503_with_retry_after(order_api: None, aws: dict[str, Any]) -> None:
    aws["dynamodb"].delete_table(TableName=aws["stack"].tables["catalog"])
    status, error, headers = call("POST", "/orders", VALID)
    assert status == 503
    assert headers["Retry-After"] == "1"
    assert "retry" in error["message"]


def test_a_request_key_store_failure_is_503_not_502(order_api: None, aws: dict[str, Any]) -> None:
    aws["dynamodb"].delete_table(TableName=aws["stack"].tables["request-keys"])
    status, _, headers = call("POST", "/orders", VALID, {"Idempotency-Key": "k"})
    assert status == 503
    assert "Retry-After" in headers


# -- bad input: always a 4xx with the JSON error body -------------------------------------------


def test_client_prices_are_refused(order_api: None) -> None:
    body = with_changes(items=[{"sku": "BOOK-001", "quantity": 1, "unit_price": 1}])
    status, error, _ = call("POST", "/orders", body)
    assert status == 422
    assert [e["field"] for e in error["errors"]] == ["items[0].unit_price"]


def test_malformed_json_is_400(order_api: None) -> None:
    status, error, _ = call("POST", "/orders", '{"customer": ')
    assert status == 400
    assert "JSON" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_changes(items__0__quantity=0), "items[0].quantity"),
        (with_changes(items__0__quantity=1001), "items[0].quantity"),
        (with_changes(items__0__quantity="2"), "items[0].quantity"),
        (with_changes(items=[]), "items"),
        (with_changes(items=[{"sku": "BOOK-001", "quantity": 1}] * 101), "items"),
        (with_changes(customer__email="ada-at-example.com"), "customer.email"),
        (with_changes(shipping_address__country="gb"), "shipping_address.country"),
        (with_changes(shipping_address__country="XX"), "shipping_address.country"),
        (with_changes(items__0__sku="NOPE-999"), "items[0].sku"),
        (with_changes(items__0__sku="lower-case"), "items[0].sku"),
        (
            with_changes(items=[{"sku": "BOOK-001", "quantity": 1}, {"sku": "OLD-001", "quantity": 1}]),
            "items[1].sku",
        ),
        ({k: v for k, v in VALID.items() if k != "payment"}, "payment"),
        (with_changes(customer__name="\x00\x01"), "customer.name"),
        (with_changes(shipping_address__line1="12 St\x1bJames"), "shipping_address.line1"),
        (with_changes(payment__token="tok_visa\n"), "payment.token"),
    ],
    ids=[
        "qty-0",
        "qty-1001",
        "qty-string",
        "no-items",
        "101-lines",
        "email",
        "country-case",
        "country-unsupported",
        "unknown-sku",
        "sku-format",
        "inactive-sku",
        "missing-payment",
        "control-chars-name",
        "control-char-address",
        "control-char-token",
    ],
)
def test_bad_input_is_422_naming_the_field(
    order_api: None, aws: dict[str, Any], body: Any, field: str
) -> None:
    status, error, _ = call("POST", "/orders", body)
    assert status == 422
    assert field in [e["field"] for e in error["errors"]], error
    assert stored(aws) == []


def test_a_quantity_of_five_thousand_digits_is_422_on_its_field(order_api: None) -> None:
    raw = json.dumps(VALID).replace('"quantity": 2', '"quantity": ' + "9" * 5001)
    status, error, _ = call("POST", "/orders", raw)
    assert status == 422
    assert [e["field"] for e in error["errors"]] == ["items[0].quantity"]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_400(order_api: None, raw: str) -> None:
    status, _, _ = call("POST", "/orders", json.dumps(VALID).replace('"quantity": 2', f'"quantity": {raw}'))
    assert status == 400


@pytest.mark.parametrize("depth", [33, 5000])
def test_deep_nesting_is_400(order_api: None, depth: int) -> None:
    status, error, _ = call("POST", "/orders", "[" * depth + "]" * depth)
    assert status == 400
    assert "nested" in error["message"]


def test_nesting_inside_strings_does_not_count(order_api: None) -> None:
    body = with_changes(customer__name="[" * 100)
    assert call("POST", "/orders", body)[0] == 201


def test_a_body_that_is_not_utf8_is_400(order_api: None) -> None:
    event = api_event("POST", "/orders")
    event["body"] = base64.b64encode(b'{"customer": "\xff\xfe"}').decode()
    event["isBase64Encoded"] = True
    status, error, _ = respond(event)
    assert status == 400
    assert "UTF-8" in error["message"]


def test_a_base64_body_that_is_utf8_is_accepted(order_api: None) -> None:
    event = api_event("POST", "/orders")
    event["body"] = base64.b64encode(json.dumps(VALID).encode()).decode()
    event["isBase64Encoded"] = True
    assert respond(event)[0] == 201


def test_a_body_over_the_limit_is_413(order_api: None) -> None:
    body = with_changes(customer__name="x" * 40_000)
    status, error, _ = call("POST", "/orders", body)
    assert status == 413
    assert "bytes" in error["message"]


def test_another_content_type_is_415_with_the_error_body(order_api: None) -> None:
    status, error, _ = call("POST", "/orders", "a=1", {"Content-Type": "text/plain"})
    assert status == 415
    assert error["errors"] == []
    assert "application/json" in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/orders", "POST"),
        ("DELETE", "/orders/ord_x", "GET"),
        ("PATCH", "/orders/ord_x", "GET"),
        ("HEAD", "/orders", "POST"),
        ("OPTIONS", "/orders/ord_x", "GET"),
        ("TRACE", "/orders", "POST"),
    ],
)
def test_other_methods_are_405_with_allow(order_api: None, method: str, path: str, allowed: str) -> None:
    status, error, headers = call(method, path)
    assert status == 405
    assert headers["Allow"] == allowed
    assert method in error["message"]


def test_an_unknown_path_is_404_listing_the_routes(order_api: None) -> None:
    status, error, _ = call("GET", "/nowhere/at/all")
    assert status == 404
    assert "POST /orders" in error["message"]
    assert "GET /orders/{order_id}" in error["message"]


# -- the contract: what services/order/openapi.json declares, the API does --------------------


@pytest.mark.parametrize("country", SUPPORTED_COUNTRIES)
def test_every_country_the_document_lists_is_taken(order_api: None, country: str) -> None:
    assert call("POST", "/orders", with_changes(shipping_address__country=country))[0] == 201


@pytest.mark.parametrize("country", ["AA", "ZZ", "JP"])
def test_a_country_outside_the_list_is_422_on_its_field(order_api: None, country: str) -> None:
    assert country not in SUPPORTED_COUNTRIES
    status, error, _ = call("POST", "/orders", with_changes(shipping_address__country=country))
    assert status == 422
    assert [e["field"] for e in error["errors"]] == ["shipping_address.country"]


@pytest.mark.parametrize(
    "order_id",
    ["ord_x", "ORD_" + "a" * 32, "ord_" + "A" * 32, "ord_" + "a" * 33, "x" * 3000, "a\\b", "ord_%00"],
    ids=["short", "upper-prefix", "upper-hex", "long", "3000-chars", "backslash", "percent"],
)
def test_an_id_of_another_form_is_404(order_api: None, order_id: str) -> None:
    status, error, _ = call("GET", f"/orders/{order_id}")
    assert status == 404
    assert error["errors"] == []


def test_the_api_serves_its_committed_document(order_api: None) -> None:
    response = api.lambda_handler(api_event("GET", "/openapi.json"), LambdaContext())
    assert response["statusCode"] == 200
    assert response["body"] == conformance.DOCUMENT.read_text()
    status, error, headers = call("POST", "/openapi.json", {})
    assert (status, headers["Allow"]) == (405, "GET")
    assert "POST" in error["message"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "APPLICATION/JSON", "application/json; charset=UTF-8", None]
)
def test_json_is_taken_whatever_the_case_and_without_a_content_type(
    order_api: None, content_type: str | None
) -> None:
    event = api_event("POST", "/orders", VALID)
    for headers in (event["headers"], event["multiValueHeaders"]):
        for name in [name for name in headers if name.lower() == "content-type"]:
            del headers[name]
    if content_type is not None:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    assert respond(event)[0] == 201


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",  # without a boundary: Powertools' parser raised (502)
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/jsonx",
        "",
    ],
)
def test_a_body_of_another_media_type_is_415(order_api: None, content_type: str) -> None:
    status, error, _ = call("POST", "/orders", VALID, {"Content-Type": content_type})
    assert status == 415
    assert "application/json" in error["message"]


def test_the_media_type_of_a_body_nothing_reads_is_not_judged(order_api: None) -> None:
    assert call("PUT", "/orders", "x", {"Content-Type": "text/plain"})[0] == 405
    assert call("GET", "/orders/ord_x", "x", {"Content-Type": "text/plain"})[0] == 404


@pytest.mark.parametrize(("raw", "quantity"), [("2.0", 2), ("2e0", 2), ("1.0E1", 10)])
def test_a_number_with_a_zero_fraction_is_the_integer_it_equals(
    order_api: None, raw: str, quantity: int
) -> None:
    status, created, _ = call(
        "POST", "/orders", json.dumps(VALID).replace('"quantity": 2', f'"quantity": {raw}')
    )
    assert status == 201
    assert created["items"][0]["quantity"] == quantity


@pytest.mark.parametrize("raw", ["2.5", "1e400", "1e40"])
def test_a_fraction_or_an_enormous_number_is_422_on_its_field(order_api: None, raw: str) -> None:
    status, error, _ = call(
        "POST", "/orders", json.dumps(VALID).replace('"quantity": 2', f'"quantity": {raw}')
    )
    assert status == 422
    assert [e["field"] for e in error["errors"]] == ["items[0].quantity"]


def test_a_key_still_in_flight_is_409_with_retry_after(
    order_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.order.usecases.orders import KeyInFlight

    def in_flight(*_: Any, **__: Any) -> Any:
        raise KeyInFlight

    monkeypatch.setattr(api, "place_order", in_flight)
    status, error, headers = call("POST", "/orders", VALID, {"Idempotency-Key": "k"})
    assert (status, headers["Retry-After"]) == (409, "1")
    assert "still being processed" in error["message"]
