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
    """moto's in-process mock with the whole topology provisioned, corrected where it departs
    from AWS as the local stack's emulator is (services/local/emulator/corrections.py)."""
    import boto3
    from moto import mock_aws

    from services.local.emulator import corrections
    from services.local.emulator.provision import provision

    undo = corrections.apply()
    try:
        with mock_aws():
            clients = {
                name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "ses", "dynamodbstreams")
            }
            stack = provision(clients)
            yield {"stack": stack, **clients}
    finally:
        undo()


# `make test` runs on two xdist workers (--dist loadgroup). The suites with one costly session
# fixture or a machine-wide resource stay on one worker each: infra applies Terraform into one
# moto server, images build on one Docker daemon, and the chaos run wants a core to itself.
XDIST_GROUPS = {"infra": "infra", "images": "images", "chaos": "chaos"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        suite = parts[parts.index("tests") + 1] if "tests" in parts else ""
        if suite in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS[suite]))
