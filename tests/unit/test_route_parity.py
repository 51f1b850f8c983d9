"""The HTTP routes are written in one place, services/order/openapi.json, and held together here
with everything else that names them: the function's resolver (which generates the document),
the local gateway (which reads it) and the REST API module in Terraform (which cannot read it,
so it is parsed and compared: a route added on one side only fails this test). Each route needs
the API key in all three: the document requires `x-api-key`, Terraform sets `api_key_required`,
and the local gateway refuses the route without the key, so none can drift from the others.

Fast: no terraform binary; the module is parsed with hcl2 (python-hcl2, installed with checkov).
"""

from __future__ import annotations

import copy
import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest

from services.local.gateway import routes as gateway
from services.local.gateway.http import Gateway
from services.local.runtime import InvocationResult
from services.order.entrypoints.http import openapi

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "services" / "order" / "openapi.json"
REST_API = REPO / "terraform" / "modules" / "rest_api" / "main.tf"

Routes = set[tuple[str, str]]  # (METHOD, /path/{param})


def document_routes(document: dict[str, Any]) -> Routes:
    return {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}


def terraform_routes(module: dict[str, Any]) -> Routes:
    """Each route's method and the full path of the resource it is on, following parent_id up to
    the API's root; also checks that the permission's path is the same resource."""
    resources: dict[str, tuple[str, str]] = {}  # name -> (parent reference, path_part)
    for block in module["resource"]:
        for name, body in block.get("aws_api_gateway_resource", {}).items():
            resources[name] = (body["parent_id"][0], body["path_part"][0])

    def path_of(reference: str) -> str:
        found = re.fullmatch(r"\$\{aws_api_gateway_resource\.(\w+)\.id\}", reference)
        if found is None:
            assert reference == "${aws_api_gateway_rest_api.this.root_resource_id}", reference
            return ""
        parent, part = resources[found.group(1)]
        return f"{path_of(parent)}/{part}"

    (declared,) = [block["routes"] for block in module["locals"] if "routes" in block]
    (declared,) = declared if isinstance(declared, list) else [declared]
    found: Routes = set()
    for key, route in declared.items():
        path = path_of(route["resource_id"])
        permission = "/" + route["path"]
        assert permission == re.sub(r"\{[^}/]+\}", "*", path), f"{key}: permission on {permission}"
        found.add((route["method"], path))
    return found


def document_keyed_routes(document: dict[str, Any]) -> Routes:
    """The routes whose every way in needs the `x-api-key` header: each security requirement that
    applies (the operation's, else the document's) names an apiKey scheme in that header, and none
    is the empty requirement that makes authentication optional."""
    schemes = document.get("components", {}).get("securitySchemes", {})

    def is_api_key(name: str) -> bool:
        scheme = schemes.get(name, {})
        return (scheme.get("type"), scheme.get("in"), str(scheme.get("name")).lower()) == (
            "apiKey",
            "header",
            "x-api-key",
        )

    found: Routes = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            requirements = operation.get("security", document.get("security", []))
            if requirements and all(any(is_api_key(name) for name in r) for r in requirements):
                found.add((method.upper(), path))
    return found


def terraform_keyed_routes(module: dict[str, Any]) -> Routes:
    """The routes whose method sets `api_key_required = true`. Every method must be made from
    local.routes (one per route): a method declared any other way fails here, unread."""
    keyed: Routes = set()
    for block in module["resource"]:
        for name, body in block.get("aws_api_gateway_method", {}).items():
            assert body.get("for_each") == ["${local.routes}"], f"aws_api_gateway_method.{name}"
            assert body["http_method"] == ["${each.value.method}"], name
            assert body["resource_id"] == ["${each.value.resource_id}"], name
            if body.get("api_key_required") == [True]:
                keyed |= terraform_routes(module)
    return keyed


class Function:
    """Answers 200 to every invocation; counts them."""

    def __init__(self) -> None:
        self.invoked = 0

    def invoke(self, event: dict[str, Any]) -> InvocationResult:
        self.invoked += 1
        return InvocationResult("r", True, {"statusCode": 200, "body": "{}"}, None, 1.0)


@pytest.fixture(scope="module")
def local_gateway() -> Iterator[tuple[Gateway, Function]]:
    function = Function()
    running = Gateway(function, 0, api_key="parity-key-0123456789")
    running.start()
    yield running, function
    running.stop()


def gateway_keyed_routes(served: tuple[Gateway, Function], routes: Routes) -> Routes:
    """The routes the local gateway answers 403 without the key (and hands to the function with it)."""
    running, function = served
    host, port = running.url.removeprefix("http://").split(":")
    found: Routes = set()
    for method, resource in routes:
        path = re.sub(r"\{[^}/]+\}", "ord_0", resource)
        answers = []
        for headers in ({}, {"x-api-key": "another-key-0123456789"}, {"x-api-key": "parity-key-0123456789"}):
            before = function.invoked
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                connection.request(method, path, headers=headers)
                response = connection.getresponse()
                answers.append((response.status, response.read(), function.invoked - before))
            finally:
                connection.close()
        forbidden = (403, b'{"message": "Forbidden"}', 0)
        if answers == [forbidden, forbidden, (200, b"{}", 1)]:
            found.add((method, resource))
    return found


@pytest.fixture(scope="module")
def committed() -> Routes:
    return document_routes(json.loads(DOCUMENT.read_text()))


def test_the_document_has_routes(committed: Routes) -> None:
    assert ("POST", "/orders") in committed
    assert ("GET", "/orders/{order_id}") in committed


def test_the_resolver_serves_exactly_the_documents_routes(committed: Routes) -> None:
    assert document_routes(openapi.openapi_document()) == committed


def test_the_local_gateway_forwards_exactly_the_documents_routes(committed: Routes) -> None:
    assert {(m, r.resource) for r in gateway.routes() for m in r.methods} == committed


def test_terraform_declares_exactly_the_documents_routes(committed: Routes) -> None:
    with REST_API.open() as file:
        module = hcl2.load(file)
    assert terraform_routes(module) == committed


def test_the_parser_sees_a_route_missing_from_terraform(committed: Routes) -> None:
    """The comparison bites: the module without its last route no longer matches."""
    with REST_API.open() as file:
        module = hcl2.load(file)
    (block,) = [b for b in module["locals"] if "routes" in b]
    routes = block["routes"][0] if isinstance(block["routes"], list) else block["routes"]
    routes.pop(sorted(routes)[-1])
    assert terraform_routes(module) < committed


def test_every_route_needs_the_api_key_in_the_document_terraform_and_the_local_gateway(
    committed: Routes, local_gateway: tuple[Gateway, Function]
) -> None:
    document = json.loads(DOCUMENT.read_text())
    with REST_API.open() as file:
        module = hcl2.load(file)
    assert document_keyed_routes(document) == committed
    assert document_keyed_routes(openapi.openapi_document()) == committed
    assert terraform_keyed_routes(module) == committed
    assert gateway_keyed_routes(local_gateway, committed) == committed


def test_the_key_comparisons_bite(committed: Routes) -> None:
    """A route made optional in the document, or a method without api_key_required, is seen."""
    document = json.loads(DOCUMENT.read_text())
    optional = copy.deepcopy(document)
    optional["paths"]["/openapi.json"]["get"]["security"] = [{}, {"apiKey": []}]
    assert document_keyed_routes(optional) == committed - {("GET", "/openapi.json")}
    del optional["security"]
    assert document_keyed_routes(optional) == set()
    with REST_API.open() as file:
        module = hcl2.load(file)
    for block in module["resource"]:
        for body in block.get("aws_api_gateway_method", {}).values():
            body["api_key_required"] = [False]
    assert terraform_keyed_routes(module) == set()


def test_the_gateway_comparison_bites(
    committed: Routes, local_gateway: tuple[Gateway, Function], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gateway that takes any request (the check gone) is seen."""
    from services.local.gateway import http as gateway_http

    monkeypatch.setattr(gateway_http, "key_accepted", lambda headers, api_key: True)
    assert gateway_keyed_routes(local_gateway, committed) == set()
