"""`make run`: the whole system on loopback, with no AWS account and no Docker.

- moto server on loopback, provisioned from services/topology.json;
- every function as a real `python -m awslambdaric <handler>` process, fed by a
  Lambda Runtime API server, with the environment Terraform would give it;
- the HTTP API on 127.0.0.1:3000, turning requests into API Gateway REST
  proxy events for the order-api function;
- one poller per queue with Lambda's SQS semantics (batch size, partial batch
  response, failures visible again after a delay, DLQ after maxReceiveCount);
- one console line per event, structured logs in files, emails as .eml files.
"""

from __future__ import annotations

import argparse
import contextlib
import email.message
import email.utils
import errno
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from services.local.client import emulator_client
from services.local.provision import Stack, provision
from services.local.runtime_api import RuntimeApiServer
from services.shared.topology import Function, load_topology

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
TAP_QUEUE = "tap"


class PortTaken(RuntimeError):
    pass


def ensure_free(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortTaken(
                    f"port {port} ({what}) is taken: is another `make run` running? "
                    "Stop it, or choose other ports with --api-port / --aws-port."
                ) from None
            raise


def short(order_id: str) -> str:
    return order_id.removeprefix("ord_")[:6]


@dataclass
class Options:
    api_port: int = 3000
    aws_port: int = 4566
    state_dir: Path = REPO_ROOT / ".local"
    retry_delay_seconds: int = 1
    api_processes: int = 2
    quiet: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)


class LambdaFunction:
    """One Lambda function: a Runtime API server and its runtime processes."""

    def __init__(self, function: Function, env: dict[str, str], processes: int, log_file: Path) -> None:
        self.function = function
        self.runtime = RuntimeApiServer(
            function.name, timeout_seconds=function.timeout_seconds, memory_mb=function.memory_mb
        )
        self._env = env
        self._processes_wanted = processes
        self._log_file = log_file
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        self.runtime.start()
        env = {**self._env, **self.runtime.runtime_environment()}
        log = self._log_file.open("ab")
        for _ in range(self._processes_wanted):
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "awslambdaric", self.function.handler],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        log.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.runtime.wait_until_polled(timeout):
            raise RuntimeError(
                f"{self.function.name} did not start: {self.runtime.init_error or 'no runtime polled'}"
                f" (see {self._log_file})"
            )

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.runtime.invoke(event)

    def stop(self) -> None:
        # Processes first: a runtime that loses its Runtime API mid-poll prints a traceback.
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.runtime.stop()


class LocalStack:
    def __init__(self, options: Options | None = None, *, echo: Callable[[str], None] | None = None) -> None:
        self.options = options or Options()
        self.topology = load_topology()
        self._echo = echo or (lambda line: print(line, flush=True))
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.functions: dict[str, LambdaFunction] = {}
        self.stack: Stack | None = None
        self.endpoint = ""
        self.api_url = ""
        self._moto: Any = None
        self._http: ThreadingHTTPServer | None = None
        self._chains: dict[str, list[str]] = {}
        self.emails_dir = self.options.state_dir / "emails"
        self.logs_dir = self.options.state_dir / "logs"

    def echo(self, line: str) -> None:
        if not self.options.quiet:
            self._echo(line)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        started = time.monotonic()
        options = self.options
        if options.api_port:
            ensure_free(options.api_port, "HTTP API")
        if options.aws_port:
            ensure_free(options.aws_port, "AWS emulator")
        for directory in (self.emails_dir, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
            for old in directory.iterdir():
                old.unlink()

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=options.aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

        clients = {name: self.client(name) for name in ("dynamodb", "sns", "sqs", "ses")}
        self.stack = provision(clients)
        self._add_tap(clients["sqs"], clients["sns"])

        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(REPO_ROOT),
            **options.extra_env,
        }
        for function in self.topology.functions:
            env = {**base_env, **self.stack.environment(function)}
            processes = options.api_processes if function.http else 1
            self.functions[function.name] = LambdaFunction(
                function, env, processes, self.logs_dir / f"{function.name}.log"
            )
        for fn in self.functions.values():
            fn.start()
        for fn in self.functions.values():
            fn.wait_ready(60)

        for function in self.topology.consumers:
            self._spawn(self._poll, function, name=f"poller-{function.name}")
        self._spawn(self._tap, name="tap")
        self._spawn(self._write_emails, name="emails")
        self._serve_http()
        self.write_state()
        self.echo(
            f"AWS emulator (moto): {self.endpoint}   e.g. aws --endpoint-url {self.endpoint} sqs list-queues"
        )
        self.echo(f"HTTP API:            {self.api_url}")
        self.echo(f"Logs:                {self.logs_dir}/<function>.log")
        self.echo(f"Emails:              {self.emails_dir}/*.eml")
        self.echo(f"Ready in {time.monotonic() - started:.1f}s. Ctrl-C stops everything.")

    def stop(self) -> None:
        self._stopping.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        for fn in self.functions.values():
            fn.stop()
        if self._moto is not None:
            self._moto.stop()
        state = self.options.state_dir / "stack.json"
        with contextlib.suppress(FileNotFoundError):
            state.unlink()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, name: str) -> Any:
        return emulator_client(self.endpoint, name)

    def write_state(self) -> None:
        """What the `orders` CLI and `make demo` need to find this stack."""
        assert self.stack is not None
        state = {
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "api_url": self.api_url,
            "tables": self.stack.tables,
            "queue_urls": self.stack.queue_urls,
            "dlq_urls": self.stack.dlq_urls,
            "emails_dir": str(self.emails_dir),
        }
        (self.options.state_dir / "stack.json").write_text(json.dumps(state, indent=2))

    def _spawn(self, target: Callable[..., None], *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # ------------------------------------------------------------ SQS → Lambda
    def _poll(self, function: Function) -> None:
        """Lambda's SQS event source mapping, for one queue."""
        assert self.stack is not None
        assert function.consumes is not None
        sqs = self.client("sqs")
        queue_url = self.stack.queue_urls[function.name]
        queue_arn = self.stack.queue_arns[function.name]
        while not self._stopping.is_set():
            try:
                self._deliver_batch(sqs, function, queue_url, queue_arn)
            except Exception as error:  # keep polling, as the event source mapping does
                if not self._stopping.is_set():
                    self.echo(f"  ! {function.name} poller: {error!r}; retrying")
                    self._stopping.wait(1)

    def _deliver_batch(self, sqs: Any, function: Function, queue_url: str, queue_arn: str) -> None:
        assert function.consumes is not None
        fn = self.functions[function.name]
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=function.consumes.batch_size,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return
        event = {"Records": [_sqs_record(m, queue_arn) for m in received]}
        result = fn.invoke(event)
        if result.ok:
            failed = {f["itemIdentifier"] for f in (result.payload or {}).get("batchItemFailures", [])}
        else:  # the whole invocation failed: every message comes back
            failed = {m["MessageId"] for m in received}
        for message in received:
            if message["MessageId"] in failed:
                # Lambda leaves it to the visibility timeout; locally a short delay
                # lets the retries and the DLQ be watched in seconds.
                sqs.change_message_visibility(
                    QueueUrl=queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.options.retry_delay_seconds,
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if failed:
            self.echo(f"  ! {function.name}: {len(failed)} of {len(received)} failed; SQS will retry")

    # ------------------------------------------------------------ console
    def _add_tap(self, sqs: Any, sns: Any) -> None:
        """A local-only queue that sees every event, for the console."""
        assert self.stack is not None
        url = sqs.create_queue(QueueName=f"{self.stack.prefix}-{TAP_QUEUE}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=self.stack.topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        self._tap_url = url

    def _tap(self) -> None:
        sqs = self.client("sqs")
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):
                for message in sqs.receive_message(
                    QueueUrl=self._tap_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", []):
                    sqs.delete_message(QueueUrl=self._tap_url, ReceiptHandle=message["ReceiptHandle"])
                    self.echo(self._describe(json.loads(message["Body"])))

    def _describe(self, event: dict[str, Any]) -> str:
        chain = self._chains.setdefault(event["order_id"], [])
        chain.append(event["status"])
        data = event.get("data", {})
        detail = (
            data.get("invoice_number")
            if event["status"] == "INVOICE_CREATED"
            else data.get("tracking_number") or data.get("reason") or ""
        )
        if event["status"] == "ORDER_CREATED":
            amounts = data.get("amounts", {})
            detail = f"{amounts.get('currency', '')} {amounts.get('total', 0) / 100:.2f}"
        return f"{short(event['order_id'])} {' → '.join(chain)}" + (f"  ({detail})" if detail else "")

    def _write_emails(self) -> None:
        """moto keeps what SES 'sent'; write each one out as an .eml file."""
        from moto.backends import get_backend

        written = 0
        while not self._stopping.wait(0.3):
            sent = list(get_backend("ses")[ACCOUNT_ID][REGION].sent_messages)
            for message in sent[written:]:
                written += 1
                path = self.emails_dir / f"{written:04d}.eml"
                path.write_bytes(_as_eml(message))
                self.echo(f"  ✉ {message.subject!r} → {path}")

    # ------------------------------------------------------------ HTTP → API Gateway
    def _serve_http(self) -> None:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else None
                status, headers, payload = stack.http_request(
                    self.command, self.path, dict(self.headers), body
                )
                data = payload.encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        server = ThreadingHTTPServer(("127.0.0.1", self.options.api_port), Handler)
        server.daemon_threads = True
        self._http = server
        self.api_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._spawn(server.serve_forever, name="http")

    def http_request(
        self, method: str, raw_path: str, headers: dict[str, str], body: str | None
    ) -> tuple[int, dict[str, str], str]:
        event = api_gateway_event(method, raw_path, headers, body)
        if event is None:
            return 404, {"Content-Type": "application/json"}, json.dumps({"message": "Not Found"})
        result = self.functions["order-api"].invoke(event)
        if not result.ok or not isinstance(result.payload, dict):
            return 502, {"Content-Type": "application/json"}, json.dumps({"message": "Internal server error"})
        response = result.payload
        out = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
        out.update(response.get("headers") or {})
        return int(response.get("statusCode", 502)), out, response.get("body") or ""


def api_gateway_event(
    method: str, raw_path: str, headers: dict[str, str], body: str | None
) -> dict[str, Any] | None:
    """The REST API's routes, as API Gateway would proxy them (None: no route)."""
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(raw_path)
    parts = [p for p in url.path.split("/") if p]
    if parts == ["orders"] and method == "POST":
        resource, params = "/orders", None
    elif len(parts) == 2 and parts[0] == "orders" and method == "GET":
        resource, params = "/orders/{order_id}", {"order_id": parts[1]}
    else:
        return None
    query = parse_qs(url.query)
    request_id = os.urandom(16).hex()
    return {
        "resource": resource,
        "path": url.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/local{url.path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": "local",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
            "apiId": "local",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message in the shape Lambda hands to a function."""
    attributes = message.get("MessageAttributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in attributes.items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _as_eml(message: Any) -> bytes:
    """moto keeps one body per message: the HTML part when there is one."""
    eml = email.message.EmailMessage()
    eml["From"] = message.source
    eml["To"] = ", ".join(message.destinations.get("ToAddresses", []))
    eml["Subject"] = message.subject
    eml["Date"] = email.utils.formatdate(localtime=False)
    eml["Message-ID"] = f"<{message.id}@orderflow.local>"
    body = str(message.body)
    eml.set_content(body, subtype="html" if body.lstrip().startswith("<") else "plain")
    return bytes(eml)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run orderflow locally on loopback.")
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("ORDERFLOW_API_PORT", 3000)))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("ORDERFLOW_AWS_PORT", 4566)))
    parser.add_argument(
        "--retry-delay",
        type=int,
        default=1,
        help="seconds before a failed message is visible again (AWS: the visibility timeout)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Options.state_dir,
        help="where logs, emails and stack.json go (default .local/)",
    )
    args = parser.parse_args(argv)
    stack = LocalStack(
        Options(
            api_port=args.api_port,
            aws_port=args.aws_port,
            retry_delay_seconds=args.retry_delay,
            state_dir=args.state_dir,
        )
    )
    try:
        stack.start()
    except PortTaken as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception:
        stack.stop()
        raise
    print(
        f"Try: curl -s -X POST {stack.api_url}/orders "
        "-H 'Content-Type: application/json' -d @tests/e2e/order.json"
    )
    # Ctrl-C raises KeyboardInterrupt; SIGTERM is made to do the same. (A handler that sets
    # an Event the main thread is waiting on can deadlock on the Event's own lock.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    print("\nStopping…", flush=True)
    stack.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
