"""Two places where moto spends most of the emulator's CPU on work that changes no answer, made
cheap. Applied only in the emulator's own process (emulator/server.py); each keeps moto's
answers what they were (tests/integration/test_emulator_speedups.py compares them).

- DynamoDB data calls (GetItem, PutItem, UpdateItem, Query...): moto builds the result as a plain
  dict in DynamoDB's JSON shape, then walks it again through a model-driven serializer that looks
  up every key under several aliases. A dict that is already plain JSON is written as it is.
- SQS ReceiveMessage: for each message moto checks its retention by computing every attribute of
  the queue, ApproximateNumberOfMessages included (a walk over all its messages), so a backlog
  cost the square of its size. The retention period is read directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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


def apply() -> Callable[[], None]:
    """Patch moto in this process; the function returned undoes it."""
    from moto.core.utils import unix_time
    from moto.dynamodb.responses import DynamoResult
    from moto.sqs.models import SQSBackend

    serialize = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name in DATA_PLANE and isinstance(self.result, dict):
            try:
                body = json.dumps(self.result)
            except TypeError:
                return serialize(self, context)
            version = context.operation_model.service_model.metadata.get("jsonVersion", "1.0")
            return 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
        return serialize(self, context)

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())

    patches = [
        (DynamoResult, "execute_result", execute_result),
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
