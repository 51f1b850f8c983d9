"""The one place boto3 clients are made. botocore honours AWS_ENDPOINT_URL, so the
same code talks to AWS, to moto server, or to moto's in-process mock."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=3,
    read_timeout=10,
)


def client(service_name: str) -> Any:
    return boto3.session.Session().client(service_name, config=_CONFIG)  # type: ignore[call-overload]
