"""The one place boto3 clients are made. botocore honours AWS_ENDPOINT_URL, so the
same code talks to AWS, to moto server, or to moto's in-process mock."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

# Workers (SQS, stream and schedule consumers) can wait: a failure is retried by their source.
_WORKER = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)
# A request path answers within its function's timeout: a stalled dependency must surface as a
# 503 well before the 10 s the API function may run (2 attempts x (1 s + 2 s) plus backoff).
_REQUEST = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1, read_timeout=2)


# A call that must not be repeated blindly (SES has no idempotency key): the SDK does not retry
# it; the caller decides what a failure means.
_ONCE = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=15)


def client(service_name: str, *, on_request_path: bool = False, retry: bool = True) -> Any:
    session: Any = boto3.session.Session()
    config = _ONCE if not retry else _REQUEST if on_request_path else _WORKER
    return session.client(service_name, config=config)
