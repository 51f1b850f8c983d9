"""`make run-image` + `make invoke` with no aws-lambda-rie on the machine: the image's own
awslambdaric runs against the project's Runtime API server, behind the Invoke endpoint on the
port aws-lambda-rie would use, and `make invoke` reaches the handler, which talks to moto."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.images.conftest import ROOT, Built
from tests.support import body_of, sqs_event

pytestmark = pytest.mark.images


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_run_image_without_aws_lambda_rie_then_make_invoke(
    built: Built, moto_server: dict[str, Any], tmp_path: Path
) -> None:
    port = _free_port()
    name = f"orderflow-test-rie-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "SERVICE": "invoice",
        "IMAGE": built.images["invoice"],
        "DOCKER": built.docker,
        "RIE_PATH": str(tmp_path / "no-aws-lambda-rie"),  # absent, as on a machine without it
        "RIE_PORT": str(port),
        "LOCAL_AWS_ENDPOINT": moto_server["url"],
        "PY": sys.executable,
        "CONTAINER_NAME": name,
    }
    log = tmp_path / "run-image.log"
    with log.open("w") as out:
        running = subprocess.Popen(
            ["bash", "images/run-image.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert running.poll() is None, f"run-image.sh exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"nothing listens on {port}:\n{log.read_text()}"
            time.sleep(0.2)
        assert "aws-lambda-rie not found" in log.read_text()

        body = body_of("sqs_order_created.json")
        body["event_id"] = str(uuid.uuid4())
        event = tmp_path / "event.json"
        event.write_text(json.dumps(sqs_event(body, template="sqs_order_created.json")))
        invoked = subprocess.run(
            ["bash", "images/invoke.sh"],
            cwd=ROOT,
            env={**os.environ, "EVENT": str(event), "RIE_PORT": str(port), "SERVICE": "invoice"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert invoked.returncode == 0, f"{invoked.stderr}\n{log.read_text()}"
        assert json.loads(invoked.stdout) == {"batchItemFailures": []}, log.read_text()

        sqs, url = moto_server["sqs"], moto_server["stack"].queue_urls["billing"]
        published = [
            json.loads(m["Body"])
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        ]
        assert [e["status"] for e in published if e["order_id"] == body["order_id"]] == ["INVOICE_CREATED"]
    finally:
        running.terminate()
        try:
            running.wait(timeout=30)
        finally:
            subprocess.run([built.docker, "rm", "-f", name], capture_output=True)
    assert running.returncode == 0, log.read_text()
