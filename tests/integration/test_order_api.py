"""The order API under moto: validation, pricing, idempotency keys, reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.order import api
from tests.support import LambdaContext, api_event, load_event

VALID = json.loads(load_event("apigw_post_order.json")["body"])


def call(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = api.lambda_handler(api_event(method, path, body, headers), LambdaContext())
    headers_out = {k: v[0] for k, v in response.get("multiValueHeaders", {}).items()}
    headers_out.update(response.get("headers") or {})
    return int(response["statusCode"]), json.loads(response["body"]), headers_out


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


def test_post_prices_from_the_catalog_stores_and_publishes(
    order_api: None, aws: dict[str, Any], published: Any
) -> None:
    status, body, headers = call("POST", "/orders", VALID)

    assert status == 201
    assert headers["Location"] == f"/orders/{body['order_id']}"
    # 2 x BOOK-001 at 12.99; GB tax 20% of 25.98 = 5.196 -> 5.20; shipping 4.99 under 50.00.
    assert (body["subtotal"], body["tax"], body["shipping"], body["total"]) == (2598, 520, 499, 3617)
    assert body["currency"] == "GBP"
    assert body["status"] == "ORDER_CREATED"
    events = published("invoice")
    assert [e["status"] for e in events] == ["ORDER_CREATED"]
    assert events[0]["order_id"] == body["order_id"]
    assert events[0]["data"]["amounts"]["total"] == 3617
    assert [e["event_id"] for e in published("email")] == [events[0]["event_id"]]
    assert published("billing") == []
    assert published("order-status") == []


def test_free_shipping_from_the_threshold(order_api: None) -> None:
    body = with_changes(items=[{"sku": "BOOK-002", "quantity": 3}])  # 73.50 >= 50.00
    status, created, _ = call("POST", "/orders", body)
    assert status == 201
    assert (created["subtotal"], created["shipping"], created["tax"]) == (7350, 0, 1470)


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
        (
            with_changes(items=[{"sku": "BOOK-001", "quantity": 1}, {"sku": "OLD-001", "quantity": 1}]),
            "items[1].sku",
        ),
        ({k: v for k, v in VALID.items() if k != "payment"}, "payment"),
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
        "inactive-sku",
        "missing-payment",
    ],
)
def test_bad_input_is_422_naming_the_field(
    order_api: None, published: Any, body: dict[str, Any], field: str
) -> None:
    status, error, _ = call("POST", "/orders", body)
    assert status == 422
    assert field in [e["field"] for e in error["errors"]], error
    assert published("invoice") == []


def test_same_idempotency_key_same_body_gives_one_order(
    order_api: None, aws: dict[str, Any], published: Any
) -> None:
    first = call("POST", "/orders", VALID, {"Idempotency-Key": "key-1"})
    again = call("POST", "/orders", VALID, {"Idempotency-Key": "key-1"})

    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert first[2]["Location"] == again[2]["Location"]
    assert len(published("invoice")) == 1
    orders = aws["dynamodb"].scan(TableName=aws["stack"].tables["orders"])["Items"]
    assert len(orders) == 1


def test_same_idempotency_key_other_body_is_409(order_api: None, published: Any) -> None:
    assert call("POST", "/orders", VALID, {"Idempotency-Key": "key-2"})[0] == 201
    status, error, _ = call(
        "POST", "/orders", with_changes(items__0__quantity=3), {"Idempotency-Key": "key-2"}
    )
    assert status == 409
    assert "different request body" in error["message"]
    assert len(published("invoice")) == 1


def test_without_a_key_each_post_is_a_new_order(order_api: None) -> None:
    ids = {call("POST", "/orders", VALID)[1]["order_id"] for _ in range(3)}
    assert len(ids) == 3


def test_get_returns_the_order_and_404_for_unknown(order_api: None) -> None:
    _, created, _ = call("POST", "/orders", VALID)
    status, view, _ = call("GET", f"/orders/{created['order_id']}")
    assert status == 200
    assert view["status"] == "ORDER_CREATED"
    assert [t["status"] for t in view["timeline"]] == ["ORDER_CREATED"]
    assert view["total"] == created["total"]
    assert call("GET", "/orders/ord_doesnotexist")[0] == 404


def test_dependency_failure_is_503_not_500(order_api: None, aws: dict[str, Any]) -> None:
    aws["sns"].delete_topic(TopicArn=aws["stack"].topic_arn)
    aws["dynamodb"].delete_table(TableName=aws["stack"].tables["catalog"])
    status, error, _ = call("POST", "/orders", VALID)
    assert status == 503
    assert "retry" in error["message"]
