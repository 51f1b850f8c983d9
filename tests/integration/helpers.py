"""What the integration tests share: delivering SQS batches to a consumer, calling the API, and
reading what moto kept. Plain helpers; the fixtures are in conftest.py."""

from __future__ import annotations

import json
from typing import Any

from moto.backends import get_backend

from services.order.entrypoints.http import api
from tests.contract import conformance
from tests.integration.conftest import CONSUMERS
from tests.support import LambdaContext, api_event, body_of, load_event, sqs_event

ACCOUNT, REGION = "123456789012", "us-east-1"


def deliver(function: str, *bodies: str | dict[str, Any], republished: bool = False) -> dict[str, Any]:
    event = sqs_event(*bodies)
    if republished:
        for record in event["Records"]:
            record["messageAttributes"]["republished"] = {"stringValue": "true", "dataType": "String"}
    return CONSUMERS[function].lambda_handler(event, LambdaContext())


def failures(response: dict[str, Any]) -> int:
    return len(response["batchItemFailures"])


def event(sample: str, **changes: Any) -> dict[str, Any]:
    body = body_of(sample)
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[part]
        target[leaf] = value
    return body


def items(aws: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return aws["dynamodb"].scan(TableName=aws["stack"].tables[table])["Items"]


def ledger(aws: dict[str, Any], table: str, kind: str) -> list[dict[str, Any]]:
    return [i for i in items(aws, table) if i.get("kind", {}).get("S") == kind]


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


VALID = json.loads(load_event("apigw_post_order.json")["body"])


def respond(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The API's answer to `event`, which must be one the OpenAPI document declares."""
    response = api.lambda_handler(event, LambdaContext())
    headers_out = {k: v[0] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers_out.update(response.get("headers") or {})
    status, body = int(response["statusCode"]), response["body"]
    assert conformance.problems(event["httpMethod"], event["path"], status, headers_out, body) == []
    return status, json.loads(body), headers_out


def call(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    return respond(api_event(method, path, body, headers))
