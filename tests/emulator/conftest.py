"""The emulator as the local stack runs it: moto's server in its own process, with the project's
corrections and speedups (services/local/emulator/server.py), provisioned from topology.json.

One emulator serves the whole module; each test writes under keys of its own. `raw_moto` is
moto's in-process mock without the corrections, to show where moto departs from AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.local.bus import Bus
from services.local.emulator.moto import Emulator, client
from services.local.emulator.provision import Stack, provision

# A behaviour where the emulator departs from AWS and the local stack does not correct it: the
# test states AWS's documented behaviour and is expected to fail on the emulator (strictly: when
# moto changes, the test says so). The README's "Known emulator differences" lists each one.
known_difference = pytest.mark.xfail(strict=True, reason="a known emulator difference (README)")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory: Path = tmp_path_factory.mktemp("emulator")
    running = Emulator(0, directory / "emails", directory / "emulator.log", Bus())
    endpoint = running.start()
    yield endpoint
    running.stop()


@pytest.fixture(scope="session")
def clients(emulator: str) -> dict[str, Any]:
    return {name: client(emulator, name) for name in ("dynamodb", "dynamodbstreams", "sqs", "sns", "ses")}


@pytest.fixture(scope="session")
def stack(clients: dict[str, Any]) -> Stack:
    return provision(clients)


@pytest.fixture
def unique() -> Callable[[str], str]:
    """A name no other test uses."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def raw_moto() -> Iterator[dict[str, Any]]:
    """moto's in-process mock as moto ships it (no corrections), with the topology provisioned."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        made = {
            name: boto3.client(name, region_name="us-east-1")
            for name in ("dynamodb", "dynamodbstreams", "sqs", "sns", "ses")
        }
        yield {"stack": provision(made), **made}
