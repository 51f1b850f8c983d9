"""Where moto spends the emulator's CPU on work that changes no answer, made cheap. Applied only
in the emulator's own process (emulator/server.py); each keeps moto's answers what they were
(tests/integration/test_emulator_speedups.py compares them).

- DynamoDB data calls (GetItem, PutItem, UpdateItem, Query...): moto builds the result as a plain
  dict in DynamoDB's JSON shape, then walks it again through a model-driven serializer that looks
  up every key under several aliases. A dict that is already plain JSON is written as it is.
- SQS ReceiveMessage: for each message moto checks its retention by computing every attribute of
  the queue, ApproximateNumberOfMessages included (a walk over all its messages), so a backlog
  cost the square of its size. The retention period is read directly.
- DynamoDB Streams GetRecords: the same model-driven serializer walks every record's images; the
  records are plain JSON but for their creation times, written as epoch seconds as the
  serializer writes them.
- Every request: moto lists its handler class's methods (inspect.getmembers) to find the action's
  method. A class's methods do not change while it serves: listed once per class.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

DATA_PLANE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


def apply() -> Callable[[], None]:
    """Patch moto in this process; the function returned undoes it."""
    import moto.core.responses as core_responses
    from moto.core.responses import ActionResult
    from moto.core.utils import unix_time
    from moto.dynamodb.responses import DynamoResult
    from moto.sqs.models import SQSBackend

    serialize = DynamoResult.execute_result
    serialize_action = ActionResult.execute_result
    list_methods = core_responses.method_names_from_class

    def as_json(result: Any, context: Any, **dumps: Any) -> tuple[int, dict[str, str], str]:
        version = context.operation_model.service_model.metadata.get("jsonVersion", "1.0")
        return 200, {"Content-Type": f"application/x-amz-json-{version}"}, json.dumps(result, **dumps)

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name in DATA_PLANE and isinstance(self.result, dict):
            try:
                return as_json(self.result, context)
            except TypeError:
                return serialize(self, context)
        return serialize(self, context)

    def action_result(self: Any, context: Any) -> Any:
        model = context.operation_model
        if (
            model.name == "GetRecords"
            and model.service_model.service_name == "dynamodbstreams"
            and isinstance(self.result, dict)
        ):
            try:
                return as_json(self.result, context, default=_epoch_seconds)
            except TypeError:
                return serialize_action(self, context)
        return serialize_action(self, context)

    method_names: dict[type, list[str]] = {}

    def method_names_from_class(clazz: type) -> list[str]:
        if clazz not in method_names:
            method_names[clazz] = list_methods(clazz)
        return method_names[clazz]

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())

    patches: list[tuple[Any, str, Any]] = [
        (DynamoResult, "execute_result", execute_result),
        (ActionResult, "execute_result", action_result),
        (core_responses, "method_names_from_class", method_names_from_class),
        (
            SQSBackend,
            "is_message_valid_based_on_retention_period",
            is_message_valid_based_on_retention_period,
        ),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)

    def undo() -> None:
        for owner, name, original in originals:
            setattr(owner, name, original)

    return undo
