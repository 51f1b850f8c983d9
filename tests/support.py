"""Test helpers: AWS-shaped events from tests/events, and a Lambda context."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parent / "events"


def emitted(capsys: pytest.CaptureFixture[str]) -> dict[str, list[float]]:
    """Every metric in the EMF lines written since the last call: name -> values."""
    return emitted_in(capsys.readouterr().out)


def emitted_in(output: str) -> dict[str, list[float]]:
    """Every metric in the EMF lines of `output`: name -> values."""
    found: dict[str, list[float]] = {}
    for line in output.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if "_aws" not in document:
            continue
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "orderflow"
        assert directive["Dimensions"] == [["workspace"]]  # one dimension, no `service`
        assert document["workspace"] == "local"
        for metric in directive["Metrics"]:
            value = document[metric["Name"]]
            found.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return found


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def body_of(name: str) -> dict[str, Any]:
    """The envelope carried by the first record of an SQS sample event."""
    return json.loads(load_event(name)["Records"][0]["body"])


def sqs_event(*bodies: str | dict[str, Any], template: str = "sqs_order_created.json") -> dict[str, Any]:
    """An SQS event with one record per body, shaped like the sample in tests/events."""
    record = load_event(template)["Records"][0]
    records = []
    for body in bodies:
        item = copy.deepcopy(record)
        item["messageId"] = str(uuid.uuid4())
        item["body"] = body if isinstance(body, str) else json.dumps(body)
        if isinstance(body, dict):
            item["messageAttributes"]["status"]["stringValue"] = body.get("status", "")
        records.append(item)
    return {"Records": records}


def api_event(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    template = "apigw_post_order.json" if method == "POST" else "apigw_get_order.json"
    event = load_event(template)
    event["httpMethod"] = method
    event["path"] = path
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    if path.startswith("/orders/"):
        event["resource"] = "/orders/{order_id}"
        event["pathParameters"] = {"order_id": path.removeprefix("/orders/")}
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    for key, value in (headers or {}).items():
        event["headers"][key] = value
        event["multiValueHeaders"][key] = [value]
    return event


@dataclass
class LambdaContext:
    function_name: str = "orderflow-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orderflow-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/orderflow-test"
    log_stream_name: str = "2026/11/26/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
