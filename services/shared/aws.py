"""The one place boto3 clients are made. botocore honours AWS_ENDPOINT_URL, so the
same code talks to AWS, to moto server, or to moto's in-process mock.

`client` is typed per service from the boto3 stubs (a dev dependency: the images import them
only when type-checking, never at run time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_ses.client import SESClient
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sqs.client import SQSClient

# Workers (SQS, stream and schedule consumers) can wait: a failure is retried by their source.
_WORKER = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)
# A request path answers within its function's timeout: a stalled dependency must surface as a
# 503 well before the 10 s the API function may run (2 attempts x (1 s + 2 s) plus backoff).
_REQUEST = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1, read_timeout=2)


# A call that must not be repeated blindly (SES has no idempotency key): the SDK does not retry
# it; the caller decides what a failure means.
_ONCE = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=15)


@overload
def client(
    service_name: Literal["dynamodb"], *, on_request_path: bool = False, retry: bool = True
) -> DynamoDBClient: ...
@overload
def client(
    service_name: Literal["sns"], *, on_request_path: bool = False, retry: bool = True
) -> SNSClient: ...
@overload
def client(
    service_name: Literal["sqs"], *, on_request_path: bool = False, retry: bool = True
) -> SQSClient: ...
@overload
def client(
    service_name: Literal["ses"], *, on_request_path: bool = False, retry: bool = True
) -> SESClient: ...
def client(
    service_name: Literal["dynamodb", "sns", "sqs", "ses"],
    *,
    on_request_path: bool = False,
    retry: bool = True,
) -> DynamoDBClient | SNSClient | SQSClient | SESClient:
    session = boto3.session.Session()
    config = _ONCE if not retry else _REQUEST if on_request_path else _WORKER
    return session.client(service_name, config=config)
