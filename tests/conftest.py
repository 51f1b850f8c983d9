from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# No test may reach a real AWS account, whatever the developer's shell has set.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_NAMESPACE="orderflow",
)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto's in-process mock with the whole topology provisioned."""
    import boto3
    from moto import mock_aws

    from services.local.emulator.provision import provision

    with mock_aws():
        clients = {name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "ses", "dynamodbstreams")}
        stack = provision(clients)
        yield {"stack": stack, **clients}
