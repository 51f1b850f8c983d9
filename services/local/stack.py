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
import errno
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from services.local.bus import Bus
from services.local.console.text import TextConsole
from services.local.emulator.mailbox import Mailbox
from services.local.emulator.moto import Emulator, client
from services.local.emulator.provision import Stack, provision
from services.local.emulator.tap import Tap
from services.local.functions.supervisor import LambdaFunction
from services.local.gateway.http import Gateway
from services.local.settings import (
    API_PORT_ENV,
    AWS_PORT_ENV,
    DUMMY_CREDENTIALS,
    REPO_ROOT,
    STATE_DIR_ENV,
    Options,
)
from services.local.sources.sqs import SqsSource
from services.shared.topology import load_topology

STATE_FILE_NAME = "stack.json"


class PortTaken(RuntimeError):
    pass


def ensure_free(port: int, what: str, variable: str, option: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortTaken(
                    f"port {port} ({what}) is taken: is another `make run` running? Stop it, or choose "
                    f"another port: {variable}=<port> make run (or {option} <port>), with its own "
                    f"{STATE_DIR_ENV}=<dir> so the tools find the right stack."
                ) from None
            raise


class LocalStack:
    def __init__(self, options: Options | None = None, *, echo: Callable[[str], None] | None = None) -> None:
        self.options = options or Options()
        self.topology = load_topology()
        self.bus = Bus()
        self._print = echo or (lambda line: print(line, flush=True))
        if not self.options.quiet:
            self.bus.subscribe(TextConsole(self._print))
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.functions: dict[str, LambdaFunction] = {}
        self.stack: Stack | None = None
        self.emulator = Emulator(self.options.aws_port)
        self.gateway: Gateway | None = None
        self.endpoint = ""
        self.api_url = ""
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

        self.endpoint = self.emulator.start()
        clients = {name: self.client(name) for name in ("dynamodb", "sns", "sqs", "ses")}
        self.stack = provision(clients)
        tap = Tap(clients["sqs"], clients["sns"], self.stack.topic_arn, self.stack.prefix, self.bus)

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
            self.functions[function.name] = LambdaFunction(
                function,
                env["AWS_LAMBDA_FUNCTION_NAME"],
                env,
                options.api_processes if function.http else 1,
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
                self.client("sqs"),
                self.stack.queue_urls[function.name],
                self.stack.queue_arns[function.name],
                retry_delay_seconds=options.retry_delay_seconds,
                bus=self.bus,
                dlq_name=f"{function.name}-dlq",
            )
            self._spawn(source.run, name=f"sqs-{function.name}")
        self._spawn(tap.run, name="tap")
        self._spawn(Mailbox(self.emails_dir, self.bus).run, name="emails")
        http = next(f for f in self.topology.functions if f.http)
        self.gateway = Gateway(self.functions[http.name], options.api_port)
        self.gateway.start()
        self.api_url = self.gateway.url
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
        if self.gateway is not None:
            self.gateway.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for fn in self.functions.values():
            fn.stop()
        self.emulator.stop()
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, name: str) -> Any:
        return client(self.endpoint, name)

    def write_state(self) -> None:
        """What the `orders` CLI, `make demo` and `make run-image` need to find this stack."""
        assert self.stack is not None
        state = {
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "api_url": self.api_url,
            "tables": self.stack.tables,
            "queue_urls": self.stack.queue_urls,
            "dlq_urls": self.stack.dlq_urls,
            "topic_arn": self.stack.topic_arn,
            "prefix": self.stack.prefix,
            "emails_dir": str(self.emails_dir),
            "logs_dir": str(self.logs_dir),
        }
        self.state_file.write_text(json.dumps(state, indent=2))

    def _spawn(self, target: Callable[[threading.Event], None], *, name: str) -> None:
        thread = threading.Thread(target=target, args=(self._stopping,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
