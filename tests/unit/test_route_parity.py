"""The HTTP routes are written in one place, services/order/openapi.json, and held together here
with everything else that names them: the function's resolver (which generates the document),
the local gateway (which reads it) and the REST API module in Terraform (which cannot read it,
so it is parsed and compared: a route added on one side only fails this test).

Fast: no terraform binary; the module is parsed with hcl2 (python-hcl2, installed with checkov).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from services.local.gateway import routes as gateway
from services.order import api

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


@pytest.fixture(scope="module")
def committed() -> Routes:
    return document_routes(json.loads(DOCUMENT.read_text()))


def test_the_document_has_routes(committed: Routes) -> None:
    assert ("POST", "/orders") in committed
    assert ("GET", "/orders/{order_id}") in committed


def test_the_resolver_serves_exactly_the_documents_routes(committed: Routes) -> None:
    assert document_routes(api.openapi_document()) == committed


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
