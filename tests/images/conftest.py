"""Fixtures for the image tests: a Docker client, a base image, the built images, a moto server.

Everything that needs Docker skips with a reason naming docker when no daemon answers or no
Python base image is available locally (no registry is reachable here: .ci/docker-setup.sh
builds orderflow/python-base:bookworm from Debian's packages).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("order", "invoice", "billing", "shipment", "email")
BASE_CANDIDATES = ("orderflow/python-base:bookworm", "python:3.12-slim", "python:3.11-slim")
TEST_PREFIX = "orderflow-test"
# Unique per session: two runs on one daemon must not build over each other's tags.
TEST_TAG = f"test-{os.getpid()}"


def docker_client() -> str | None:
    """A docker CLI that builds with BuildKit (the one images/common.sh would pick)."""
    if os.environ.get("DOCKER"):
        return os.environ["DOCKER"]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "buildx", "version"], capture_output=True).returncode == 0:
        return docker
    if Path("/usr/bin/docker").exists():
        return "/usr/bin/docker"
    return docker


@dataclass(frozen=True)
class Built:
    docker: str
    base_image: str
    images: dict[str, str]  # service -> image reference
    base: str  # the built orderflow base image
    seconds: float


@pytest.fixture(scope="session")
def docker() -> str:
    client = docker_client()
    if client is None:
        pytest.skip("docker: no docker client installed (run .ci/docker-setup.sh)")
    info = subprocess.run([client, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if info.returncode != 0:
        reason = (info.stderr or info.stdout).strip().splitlines()[-1:] or [f"`{client} info` failed"]
        pytest.skip(f"docker: no daemon reachable ({reason[0]}); run .ci/docker-setup.sh")
    return client


def _image_exists(docker: str, ref: str) -> bool:
    return subprocess.run([docker, "image", "inspect", ref], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def base_image(docker: str) -> str:
    wanted = os.environ.get("ORDERFLOW_BASE_IMAGE")
    if wanted:
        if not _image_exists(docker, wanted):
            pytest.skip(
                f"docker: ORDERFLOW_BASE_IMAGE={wanted} is not present locally; run .ci/docker-setup.sh"
            )
        return wanted
    for ref in BASE_CANDIDATES:
        if _image_exists(docker, ref):
            return ref
    pytest.skip(
        "docker: no Python base image present locally and no registry to pull one from; "
        "run .ci/docker-setup.sh (builds orderflow/python-base:bookworm) or set ORDERFLOW_BASE_IMAGE"
    )


@pytest.fixture(scope="session")
def built(docker: str, base_image: str) -> Iterator[Built]:
    """Every image, built once per session by images/build.sh (what `make build` runs)."""
    log = ROOT / ".local" / "image-test-build.log"
    log.parent.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DOCKER": docker,
        "BASE_IMAGE": base_image,
        "IMAGE_PREFIX": TEST_PREFIX,
        "IMAGE_TAG": TEST_TAG,
        "SERVICES": " ".join(SERVICES),
        "BUILD_PROGRESS": "plain",
    }
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(
            ["bash", "images/build.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800
        )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-40:])
        pytest.fail(f"images/build.sh failed (exit {proc.returncode}); log {log}:\n{tail}")
    result = Built(
        docker=docker,
        base_image=base_image,
        images={s: f"{TEST_PREFIX}/{s}:{TEST_TAG}" for s in SERVICES},
        base=f"{TEST_PREFIX}/base:{TEST_TAG}",
        seconds=seconds,
    )
    yield result
    # Drop this session's tags (the layers stay cached for the next build).
    subprocess.run([docker, "rmi", *result.images.values(), result.base], capture_output=True, check=False)


def inspect(docker: str, ref: str) -> dict[str, Any]:
    import json

    out = subprocess.run([docker, "image", "inspect", ref], capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A moto server on loopback (the containers reach it with --network host), provisioned
    from the topology declaration exactly as the local stack does.

    It runs in its own process: an in-process server would share moto's global state with
    the in-process mocks and servers of other tests.
    """
    import boto3

    from services.local.emulator.provision import provision

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start on {url}:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)
        clients = {
            name: boto3.client(
                name,
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for name in ("dynamodb", "sns", "sqs", "ses", "dynamodbstreams")
        }
        stack = provision(clients)
        yield {"url": url, "stack": stack, **clients}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
