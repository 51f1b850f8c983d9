"""Instruments for a running local stack: an AWS-call recorder injected into the
function processes, a recorder of invocations, and a meter of the emulator's time."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.local.bus import Invoked
from services.local.settings import REPO_ROOT, Options
from services.local.stack import LocalStack

COUNT_FILE_ENV = "ORDERFLOW_BENCH_COUNT_FILE"
# The last event of each ending, as the status projector receives it.
FINAL_STATUSES = frozenset({"PAYMENT_FAILED", "PAYMENT_CAPTURED", "PAYMENT_VOIDED", "PAYMENT_CAPTURE_FAILED"})

# Put on the function processes' PYTHONPATH as sitecustomize.py: every botocore client
# gets before-parameter-build / before-call / after-call hooks on its event system, and
# each API call becomes one JSON line in $ORDERFLOW_BENCH_COUNT_FILE (one os.write, O_APPEND).
SITECUSTOMIZE = """
import json, os
_PATH = os.environ.get("ORDERFLOW_BENCH_COUNT_FILE")
if _PATH:
    from urllib.parse import urlencode
    import botocore.session

    _FUNCTION = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "?")

    def _params(params, context, **_):
        context["bench_params"] = params

    def _request(params, model, context, **_):
        if model.name in _WRITES and model.service_model.service_name == "dynamodb":
            context["bench_before"] = _items(model.name, context.get("bench_params", {}))
        body = params.get("body") or b""
        if isinstance(body, dict):
            body = urlencode(body, doseq=True)
        context["bench_bytes"] = len(body.encode() if isinstance(body, str) else body)

    def _response(parsed, model, context, **_):
        service = model.service_model.service_name
        line = {"function": _FUNCTION, "service": service, "operation": model.name,
                "bytes": context.get("bench_bytes", 0), "error": parsed.get("Error", {}).get("Code")}
        if service == "dynamodb":
            line["params"] = context.get("bench_params", {})
            line["response"] = {k: parsed[k] for k in ("Item", "Items", "Responses") if k in parsed}
            if model.name in _WRITES:
                line["before"] = context.get("bench_before", [])
                line["after"] = _items(model.name, line["params"])
        data = (json.dumps(line, default=str) + "\\n").encode()
        fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    _create_client = botocore.session.Session.create_client
    _WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}
    _reader, _key_names = [], {}

    def _read(table, key):
        # A client of its own, made without the hooks: these reads are the bench's, not the function's.
        if not _reader:
            _reader.append(_create_client(botocore.session.get_session(), "dynamodb"))
        if table not in _key_names:
            schema = _reader[0].describe_table(TableName=table)["Table"]["KeySchema"]
            _key_names[table] = [k["AttributeName"] for k in schema]
        if "key" not in key:
            key = {"key": {n: key["item"][n] for n in _key_names[table]}}
        item = _reader[0].get_item(TableName=table, Key=key["key"], ConsistentRead=True).get("Item")
        return {"table": table, "key": key["key"], "item": item}

    def _items(operation, params):
        # Each item the call writes, as it is now (None: absent); read before and after the call.
        if operation == "TransactWriteItems":
            entries = [
                spec for e in params["TransactItems"] for kind, spec in e.items() if kind != "ConditionCheck"
            ]
        else:
            entries = [params]
        return [
            _read(e["TableName"], {"key": e["Key"]} if "Key" in e else {"item": e["Item"]})
            for e in entries
            if "Key" in e or "Item" in e
        ]

    def create_client(self, *args, **kwargs):
        client = _create_client(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", _params)
        client.meta.events.register("before-call", _request)
        client.meta.events.register("after-call", _response)
        return client

    botocore.session.Session.create_client = create_client
"""


class CallLog:
    """The AWS calls the function processes made, read back from the count file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "calls.jsonl"
        self.path.touch()
        (directory / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.env = {COUNT_FILE_ENV: str(self.path), "PYTHONPATH": f"{directory}{os.pathsep}{REPO_ROOT}"}

    def offset(self) -> int:
        return self.path.stat().st_size

    def since(self, offset: int) -> list[dict[str, Any]]:
        with self.path.open("rb") as file:
            file.seek(offset)
            return [json.loads(line) for line in file.read().splitlines() if line]


@dataclass(frozen=True)
class Invocation:
    function: str
    record_bytes: tuple[int, ...]  # SQS message bodies in the batch (empty for HTTP)
    duration_ms: float
    ok: bool


class Invocations:
    """Every invocation the stack made, and when each order reached a terminal status."""

    def __init__(self) -> None:
        self.log: list[Invocation] = []
        self._finished: dict[str, float] = {}
        self._recorded: dict[tuple[str, str], float] = {}  # (order, status) -> first recorded
        self._changed = threading.Condition()
        # order -> each invocation that handled it: (function, status, finished, duration ms)
        self.hops: dict[str, list[tuple[str, str, float, float]]] = {}

    def attach(self, stack: LocalStack) -> None:
        stack.bus.subscribe(self)

    def __call__(self, event: Any) -> None:
        """On the bus: each finished invocation, with its batch and its answer."""
        if not isinstance(event, Invoked):
            return
        records = event.event.get("Records", [])
        with self._changed:
            self.log.append(
                Invocation(
                    event.function,
                    tuple(len(r["body"].encode()) for r in records if "body" in r),
                    event.duration_ms,
                    event.ok,
                )
            )
            if event.function == "order-status" and event.ok:
                self._note_terminal(records, event.payload or {})
            finished = time.monotonic()
            for order_id, status in _handled(event):
                self.hops.setdefault(order_id, []).append(
                    (event.function, status, finished, event.duration_ms)
                )
            self._changed.notify_all()

    def _note_terminal(self, records: list[dict[str, Any]], payload: dict[str, Any]) -> None:
        failed = {f["itemIdentifier"] for f in payload.get("batchItemFailures", [])}
        now = time.monotonic()
        for record in records:
            body = json.loads(record["body"])
            if record["messageId"] in failed:
                continue
            self._recorded.setdefault((body["order_id"], body.get("status", "")), now)
            if body.get("status") in FINAL_STATUSES:
                self._finished.setdefault(body["order_id"], now)

    def wait_status(self, order_id: str, status: str, timeout: float) -> float | None:
        """The monotonic time the order's `status` was recorded (None: not in time)."""
        with self._changed:
            self._changed.wait_for(lambda: (order_id, status) in self._recorded, timeout)
            return self._recorded.get((order_id, status))

    def wait_terminal(self, order_id: str, timeout: float) -> float | None:
        """The monotonic time the order's terminal status was recorded (None: not in time)."""
        with self._changed:
            self._changed.wait_for(lambda: order_id in self._finished, timeout)
            return self._finished.get(order_id)


def _handled(event: Invoked) -> list[tuple[str, str]]:
    """(order id, status) of each record an invocation handled: the SQS bodies, the stream
    records' keys (the outbox's ORDER_CREATED), or the order the API created."""
    out = []
    for record in event.event.get("Records", []):
        if "body" in record:
            body = json.loads(record["body"])
            out.append((str(body.get("order_id")), str(body.get("status"))))
        elif "dynamodb" in record:
            key = record["dynamodb"].get("Keys", {}).get("order_id", {}).get("S")
            out.append((str(key), "ORDER_CREATED"))
    if event.function == "order-api" and isinstance(event.payload, dict):
        try:
            body = json.loads(event.payload.get("body") or "{}")
        except ValueError:
            body = {}
        if isinstance(body, dict) and "order_id" in body:
            out.append((str(body["order_id"]), "POST"))
    return out


@contextlib.contextmanager
def running_stack(extra_env: dict[str, str] | None = None) -> Iterator[tuple[LocalStack, Invocations]]:
    """The local stack on free ports in a temporary state folder, its invocations recorded."""
    with tempfile.TemporaryDirectory(prefix="orderflow-bench-") as state_dir:
        options = Options(
            api_port=0,
            aws_port=0,
            state_dir=Path(state_dir),
            quiet=True,
            extra_env=extra_env or {},
            log_level="INFO",  # as in AWS: the log bytes per order are measured at INFO
            emulator_meter=Path(state_dir) / "emulator-operations.json",
        )
        with LocalStack(options) as stack:
            invocations = Invocations()
            invocations.attach(stack)
            yield stack, invocations


def _machine_busy_seconds() -> float:
    """CPU seconds every core has spent not idle since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class EmulatorMeter:
    """CPU time of the emulator's process (moto runs in a process of its own) over a window,
    next to the machine's busy CPU time over the same window, and, when the emulator meters its
    operations (Options.emulator_meter), the calls and CPU seconds of each operation."""

    pid: int
    operations_file: Path | None = None
    cpu_seconds: float = 0.0
    machine_busy_seconds: float = 0.0
    operations: dict[str, dict[str, float]] = field(default_factory=dict)

    @contextlib.contextmanager
    def measuring(self) -> Iterator[EmulatorMeter]:
        cpu, busy = _process_cpu_seconds(self.pid), _machine_busy_seconds()
        before = self._operations()
        try:
            yield self
        finally:
            self.cpu_seconds = _process_cpu_seconds(self.pid) - cpu
            self.machine_busy_seconds = _machine_busy_seconds() - busy
            after = self._operations()
            self.operations = {
                name: {
                    "calls": figures["calls"] - before.get(name, {}).get("calls", 0),
                    "cpu_seconds": figures["cpu_seconds"] - before.get(name, {}).get("cpu_seconds", 0.0),
                }
                for name, figures in after.items()
            }

    def _operations(self) -> dict[str, dict[str, float]]:
        """The emulator's operation figures so far: it writes them when signalled."""
        if self.operations_file is None:
            return {}
        written = self.operations_file.stat().st_mtime_ns if self.operations_file.exists() else 0
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.operations_file.exists() and self.operations_file.stat().st_mtime_ns != written:
                with contextlib.suppress(ValueError):
                    figures: dict[str, dict[str, float]] = json.loads(self.operations_file.read_text())
                    return figures
            time.sleep(0.02)
        raise RuntimeError(f"the emulator wrote no operation figures to {self.operations_file}")
