"""Image cold start: `docker run` of each service image to its first response under awslambdaric,
next to a hello-world handler on the same base image, in the same run; and each image's size
next to the base's. Needs a Docker daemon and the images `make build` made (`<prefix>/<service>`
and `<prefix>/base`, tag `latest`); without them the figure is skipped, with the reason.

Each container's runtime client polls the project's own Runtime API server (services/local/runtime,
`--network host`), which hands it one cheap invocation: the API's GET /openapi.json, or one SQS
record the consumer refuses as unparseable (a partial batch response). Both run the import, the
first-invocation wiring and the handler, and no AWS call; the clients point at a closed port.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from email.message import Message
from pathlib import Path
from statistics import median
from typing import Any

from services.local.bench.coldstart import _closed_port, environment
from services.local.gateway.http import proxy_event
from services.local.runtime.server import RuntimeApiServer
from services.local.sources.sqs import sqs_record
from services.shared.topology import Function, load_topology

PREFIX = "orderflow"
HELLO = "def handler(event, context):\n    return {'hello': 'world'}\n"
FIRST_RESPONSE_TIMEOUT = 60.0


def docker_client() -> tuple[str | None, str]:
    """(docker CLI, "") when a daemon answers, else (None, the reason)."""
    docker = shutil.which("docker")
    if docker is None:
        return None, "no docker client (.ci/docker-setup.sh installs one)"
    info = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    if info.returncode != 0:
        return None, "no Docker daemon answers (.ci/docker-setup.sh starts one)"
    return docker, ""


def image_size(docker: str, ref: str) -> int | None:
    done = subprocess.run(
        [docker, "image", "inspect", "--format", "{{.Size}}", ref], capture_output=True, text=True
    )
    return int(done.stdout.strip()) if done.returncode == 0 else None


def first_event(function: Function) -> dict[str, Any]:
    if function.http:
        return proxy_event("GET", "/openapi.json", Message(), b"")
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "bench", "Body": "{}"}
    return {"Records": [sqs_record(message, f"arn:aws:sqs:us-east-1:123456789012:{function.name}")]}


def first_response_ms(
    docker: str,
    ref: str,
    env: dict[str, str],
    event: dict[str, Any],
    extra: tuple[str, ...] = (),
    command: tuple[str, ...] = (),
) -> float:
    """Wall ms from `docker run` to the first invocation's answer reaching the Runtime API."""
    with RuntimeApiServer("bench-image", timeout_seconds=FIRST_RESPONSE_TIMEOUT) as api:
        settings = {**env, **api.runtime_environment()}
        name = f"orderflow-bench-{uuid.uuid4().hex[:8]}"
        args = [docker, "run", "--rm", "--name", name, "--network", "host"]
        args += [a for k, v in settings.items() for a in ("-e", f"{k}={v}")]
        started = time.perf_counter()
        container = subprocess.Popen(
            [*args, *extra, ref, *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            result = api.invoke(event, timeout=FIRST_RESPONSE_TIMEOUT)
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            subprocess.run([docker, "rm", "-f", name], capture_output=True)
            container.wait(30)
        if result.timed_out:
            raise RuntimeError(f"{ref}: no response in {FIRST_RESPONSE_TIMEOUT} s")
        return elapsed


def measure_image_cold_starts(runs: int, prefix: str = PREFIX) -> dict[str, Any]:
    docker, reason = docker_client()
    if docker is None:
        return {"skipped": reason}
    base = f"{prefix}/base:latest"
    if image_size(docker, base) is None:
        return {"skipped": f"no {base} image: run `make build` first"}
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    out: dict[str, Any] = {"base": base, "base_bytes": image_size(docker, base), "images": {}}
    with tempfile.TemporaryDirectory(prefix="orderflow-hello-") as hello_dir:
        (Path(hello_dir) / "hello.py").write_text(HELLO)
        Path(hello_dir).chmod(0o755)
        (Path(hello_dir) / "hello.py").chmod(0o644)
        hello = ("-v", f"{hello_dir}:/opt/hello:ro", "-w", "/opt/hello", "-e", "LAMBDA_TASK_ROOT=/opt/hello")
        functions = load_topology().functions
        # The function each image runs by default (its CMD): the API for the order image.
        first = {f.image: f for f in functions if f.consumes is not None} | {
            f.image: f for f in functions if f.http
        }
        for image, function in sorted(first.items()):
            ref = f"{prefix}/{image}:latest"
            if image_size(docker, ref) is None:
                out["images"][image] = {"skipped": f"no {ref} image: run `make build` first"}
                continue
            env, event = _container_env(function, endpoint), first_event(function)
            service_ms, hello_ms = [], []
            for _ in range(runs):  # interleaved, so drift on the machine hits both alike
                service_ms.append(first_response_ms(docker, ref, env, event))
                hello_ms.append(first_response_ms(docker, base, {}, {}, hello, ("hello.handler",)))
            out["images"][image] = {
                "function": function.name,
                "first_response_ms": round(median(service_ms), 1),
                "hello_world_ms": round(median(hello_ms), 1),
                "ratio": round(median(service_ms) / median(hello_ms), 2),
                "bytes": image_size(docker, ref),
            }
    return out


def _container_env(function: Function, endpoint: str) -> dict[str, str]:
    """The function's environment as the bench's cold start uses it, minus the host's own."""
    env = environment(function, endpoint)
    keep = ("AWS_", "POWERTOOLS_", "ORDERFLOW_", "EVENTS_", "EMAIL_", "INVOICE_")
    return {k: v for k, v in env.items() if k.startswith(keep) or k.endswith("_TABLE")} | {
        "AWS_LAMBDA_FUNCTION_NAME": function.name
    }
