"""Powertools idempotency, built from settings on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

F = TypeVar("F", bound=Callable[..., Any])

# Consumers' records must outlive every redelivery: SQS keeps a message 4 days by default.
CONSUMER_EXPIRY_SECONDS = 4 * 24 * 3600


class Idempotency:
    """Wraps a function so one `event_id` (or request key) runs it once."""

    def __init__(
        self,
        dynamodb_client: Any,
        table_name: str,
        *,
        key_jmespath: str = "event_id",
        payload_jmespath: str = "",
        expires_after_seconds: int = CONSUMER_EXPIRY_SECONDS,
    ) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath=key_jmespath,
            payload_validation_jmespath=payload_jmespath,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )
        self._store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb_client)

    def wrap(self, function: F, *, data_keyword: str, **options: Any) -> F:
        wrapped = idempotent_function(
            data_keyword_argument=data_keyword,
            persistence_store=self._store,
            config=self.config,
            **options,
        )(function)
        return wrapped
