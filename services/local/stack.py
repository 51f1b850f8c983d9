"""`make run`: the whole system on loopback, with no AWS account and no Docker.

The composition root. It starts the parts and stops them, and writes the state file other tools
read to find the stack:
- the AWS emulator (moto) on loopback, provisioned from services/topology.json;
- every function as supervised `python -m awslambdaric <handler>` processes (functions/);
- one event source per queue, with Lambda's SQS semantics (sources/);
- the REST API on loopback, as API Gateway proxies it to order-api (gateway/);
- the console, the emails as .eml files, the logs per function.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from services.local.bus import Bus
from services.local.console.text import TextConsole
from services.local.console.web import PREFIX as CONSOLE_PREFIX
from services.local.console.web import WebConsole
from services.local.emulator.faults import FaultProxy
from services.local.emulator.moto import Emulator, client
from services.local.emulator.provision import Stack, provision
from services.local.emulator.tap import Tap
from services.local.functions.reload import Reloader
from services.local.functions.supervisor import LambdaFunction
from services.local.gateway.http import Gateway
from services.local.ports import ensure_free
from services.local.settings import (
    API_KEY_ENV,
    API_PORT_ENV,
    AWS_PORT_ENV,
    DUMMY_CREDENTIALS,
    Options,
)
from services.local.sources.dynamodb_streams import DynamoDbStreamSource
from services.local.sources.schedules import Schedule
from services.local.sources.sqs import SqsSource
from services.local.watch import watches
from services.shared.topology import load_topology

STATE_FILE_NAME = "stack.json"
COPY_ATTRIBUTE = "orderflow-copy"


class LocalStack:
    def __init__(self, options: Options | None = None, *, echo: Callable[[str], None] | None = None) -> None:
        self.options = options or Options()
        self.topology = load_topology()
        self.bus = Bus()
        self._print = echo or (lambda line: print(line, flush=True))
        if not self.options.quiet:
            self.bus.subscribe(TextConsole(self._print))
        self.watch = watches(self.bus, self.topology)  # nudges, retries, the relay's liveness
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.functions: dict[str, LambdaFunction] = {}
        self.stack: Stack | None = None
        self.emulator: Emulator | None = None
        self.gateway: Gateway | None = None
        self.endpoint = ""
        self.api_url = ""
        self.console_url = ""
        self.proxy: FaultProxy | None = None
        self.calls_endpoint = ""
        self.duplicate_deliveries = False
        self.emails_dir = self.options.state_dir / "emails"
        self.logs_dir = self.options.state_dir / "logs"

    @property
    def state_file(self) -> Any:
        return self.options.state_dir / STATE_FILE_NAME

    def echo(self, line: str) -> None:
        if not self.options.quiet:
            self._print(line)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        started = time.monotonic()
        options = self.options
        if options.api_port:
            ensure_free(options.api_port, "HTTP API", API_PORT_ENV, "--api-port")
        if options.aws_port:
            ensure_free(options.aws_port, "AWS emulator", AWS_PORT_ENV, "--aws-port")
        for directory in (self.emails_dir, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
            for old in directory.iterdir():
                old.unlink()

        self.emulator = Emulator(
            options.aws_port,
            self.emails_dir,
            self.logs_dir / "emulator.log",
            self.bus,
            meter=options.emulator_meter,
        )
        self.endpoint = self.emulator.start()
        # With faults on, every AWS call of the functions and the event sources goes through the
        # fault-injecting proxy (make chaos); the stack's own setup and tools talk to moto directly.
        self.proxy = FaultProxy(self.endpoint, self.bus) if options.faults else None
        self.calls_endpoint = self.proxy.start() if self.proxy else self.endpoint
        clients = {name: self.client(name) for name in ("dynamodb", "sns", "sqs", "ses")}
        self.stack = provision(clients)
        routed = frozenset(self.topology.routed_statuses)
        # The console's view of every event costs a subscription and three calls per event:
        # only when someone watches it.
        tap = (
            None
            if options.quiet
            else Tap(
                clients["sqs"], clients["sns"], self.stack.topic_arn, self.stack.prefix, self.bus, routed
            )
        )

        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.calls_endpoint,
            "PYTHONPATH": str(options.code_root),
            "LAMBDA_TASK_ROOT": str(options.code_root),
            # Short deadlines, so the sweeper finds a stuck order within a minute (AWS: minutes).
            "ORDER_DEADLINE_SECONDS": str(options.deadline_seconds),
            # No X-Ray daemon listens here: the tracer would patch every AWS call for nothing.
            "POWERTOOLS_TRACE_DISABLED": "true",
            **options.extra_env,
        }
        for function in self.topology.functions:
            env = {
                **base_env,
                **self.stack.environment(function),
                "POWERTOOLS_LOG_LEVEL": options.log_level,
                "AWS_SDK_UA_APP_ID": function.name,
            }
            self.functions[function.name] = LambdaFunction(
                function,
                env["AWS_LAMBDA_FUNCTION_NAME"],
                env,
                options.api_processes
                if function.http
                else options.consumer_concurrency
                if function.consumes
                else 1,
                self.logs_dir / f"{function.name}.log",
                self.bus,
            )
        for fn in self.functions.values():
            fn.start()
        for fn in self.functions.values():
            fn.wait_ready(60)

        for function in self.topology.consumers:
            source = SqsSource(
                function,
                self.functions[function.name],
                self.source_client("sqs"),
                self.stack.queue_urls[function.name],
                self.stack.queue_arns[function.name],
                retry_delay_seconds=options.retry_delay_seconds,
                bus=self.bus,
                dlq_name=f"{function.name}-dlq",
                on_receive=self._duplicate_once,
                explain=self.functions[function.name].failures.reason,
            )
            for poller in range(
                options.consumer_concurrency
            ):  # concurrent batches, as the mapping scales out
                self._spawn(source.run, name=f"sqs-{function.name}-{poller}")
        for function in self.topology.functions:
            if function.stream is not None:
                fn = self.functions[function.name]
                stream = DynamoDbStreamSource(
                    function,
                    fn,
                    self.source_client("dynamodbstreams"),
                    self.source_client("sqs"),
                    self.stack.stream_arns[function.stream.table],
                    self.stack.parked_urls[f"{function.name}-failures"],
                    retry_delay_seconds=options.retry_delay_seconds,
                    bus=self.bus,
                    function_arn=fn.sandboxes[0].runtime.function_arn,
                )
                self._spawn(stream.run, name=f"stream-{function.name}")
            if function.schedule is not None:
                schedule = Schedule(
                    function.name, self.functions[function.name], options.sweep_interval_seconds, self.bus
                )
                self._spawn(schedule.run, name=f"schedule-{function.name}")
        self._spawn(self.watch.relay.run, name="relay-watch")
        if tap is not None:
            self._spawn(tap.run, name="tap")
        if options.reload:
            handlers = {f.name: f.handler for f in self.topology.functions}
            self._spawn(Reloader(options.code_root, self.functions, handlers, self.bus).run, name="reload")
        http = next(f for f in self.topology.functions if f.http)
        console = WebConsole(self.state, self.client, self.emails_dir, self.logs_dir, self.watch)
        self.gateway = Gateway(
            self.functions[http.name],
            options.api_port,
            api_key=options.api_key,
            read_timeout=options.gateway_read_timeout_seconds,
            mounts={CONSOLE_PREFIX: console},
        )
        self.gateway.start()
        self.api_url = self.gateway.url
        self.console_url = self.api_url + CONSOLE_PREFIX
        self.write_state()
        self.echo(
            f"AWS emulator (moto): {self.endpoint}   e.g. aws --endpoint-url {self.endpoint} sqs list-queues"
        )
        self.echo(f"HTTP API:            {self.api_url}")
        self.echo(f"API key:             {options.api_key}   (send it as x-api-key; {API_KEY_ENV} sets it)")
        self.echo(f"Console:             {self.console_url}   (orders, emails, logs, DLQs live)")
        self.echo(f"Logs:                {self.logs_dir}/<function>.log")
        self.echo(f"Emails:              {self.emails_dir}/*.eml")
        if options.reload:
            self.echo(
                f"Live reload:         an edit under {options.code_root / 'services'} restarts its functions"
            )
        self.echo(f"Ready in {time.monotonic() - started:.1f}s. Ctrl-C stops everything.")

    def stop(self) -> None:
        self._stopping.set()
        if self.gateway is not None:
            self.gateway.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for fn in self.functions.values():
            fn.stop()
        if self.proxy is not None:
            self.proxy.stop()
        if self.emulator is not None:
            self.emulator.stop()
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, name: str) -> Any:
        """A client for the emulator itself (setup, tools, tests): never through the fault proxy."""
        return client(self.endpoint, name)

    def source_client(self, name: str) -> Any:
        """A client for an event source: through the fault proxy when there is one (a pause holds
        the pollers too), marked as the stack's own so faults aimed at functions spare it."""
        return client(self.calls_endpoint, name)

    def _duplicate_once(self, sqs: Any, queue_url: str, received: list[dict[str, Any]]) -> None:
        """With `duplicate_deliveries` on, every message is delivered twice: a copy goes back to the
        queue as a new message, as SNS's at-least-once delivery sometimes does."""
        if not self.duplicate_deliveries:
            return
        for message in received:
            attributes = message.get("MessageAttributes", {})
            if COPY_ATTRIBUTE in attributes:
                continue
            sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=message["Body"],
                MessageAttributes={**attributes, COPY_ATTRIBUTE: {"DataType": "String", "StringValue": "1"}},
            )

    def write_state(self) -> None:
        self.state_file.write_text(json.dumps(self.state(), indent=2))

    def state(self) -> dict[str, Any]:
        """What the `orders` CLI, `make demo`, `make run-image` and the console need to find this stack."""
        assert self.stack is not None
        return {
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "api_url": self.api_url,
            "api_key": self.options.api_key,
            "console_url": self.console_url,
            "tables": self.stack.tables,
            "queue_urls": self.stack.queue_urls,
            "dlq_urls": self.stack.dlq_urls,
            "parked_urls": self.stack.parked_urls,
            "topic_arn": self.stack.topic_arn,
            "prefix": self.stack.prefix,
            "emails_dir": str(self.emails_dir),
            "logs_dir": str(self.logs_dir),
        }

    def _spawn(self, target: Callable[[threading.Event], None], *, name: str) -> None:
        thread = threading.Thread(target=target, args=(self._stopping,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
