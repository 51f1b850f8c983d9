"""A fault-injecting proxy between the functions and the emulator: how `make chaos` makes AWS fail
without touching the services' code.

Every AWS call of the function processes (and of the local event sources) goes through it when
the stack runs with faults on. It reads each request's service (SigV4 credential scope),
operation (X-Amz-Target, or the query protocol's Action) and caller (the `app/<id>` of the SDK's
user agent, from AWS_SDK_UA_APP_ID), asks the active rules what to do, and then:
- forwards it to the emulator (most calls);
- answers with the error AWS would send (throttling, an internal error), in the service's
  protocol, so botocore parses and retries it as it would a real one;
- closes the connection without an answer (a refused or reset connection);
- or holds it until a pause ends (the emulator frozen).
It also counts what the emulator accepted that the chaos suite checks: the emails SES took, by
the order and status they were tagged with.
"""

from __future__ import annotations

import http.client
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.local.bus import Bus, Notice

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_APP = re.compile(r"\bapp/([A-Za-z0-9._-]+)")
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    caller: str  # the function (its SDK app id), "local" for the stack's own sources


@dataclass(frozen=True)
class Rule:
    """What happens to the calls it matches, with a probability, within a window of the run."""

    effect: str  # "throttle" | "error" | "refuse" | "pause"
    services: frozenset[str] = frozenset()  # empty: every service
    operations: frozenset[str] = frozenset()  # empty: every operation
    functions_only: bool = True  # leave the stack's own pollers alone
    probability: float = 1.0
    start: float = 0.0  # seconds after the plan begins
    end: float = float("inf")

    def applies(self, call: Call, elapsed: float) -> bool:
        return (
            self.start <= elapsed < self.end
            and (not self.services or call.service in self.services)
            and (not self.operations or call.operation in self.operations)
            and (not self.functions_only or call.caller != "local")
        )


@dataclass
class FaultPlan:
    rules: tuple[Rule, ...]
    seed: int
    began: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def decide(self, call: Call) -> tuple[str | None, float]:
        """The effect for this call (None: forward), and for a pause, how long is left of it."""
        elapsed = time.monotonic() - self.began
        for rule in self.rules:
            if not rule.applies(call, elapsed):
                continue
            with self._lock:
                drawn = self._random.random()
            if drawn < rule.probability:
                return rule.effect, rule.end - elapsed
        return None, 0.0


def _call_of(headers: Any, body: bytes) -> Call:
    scope = _SCOPE.search(headers.get("Authorization", ""))
    service = scope.group(1) if scope else "?"
    target = headers.get("X-Amz-Target", "")
    if target:
        operation = target.rsplit(".", 1)[-1]
    else:
        form = parse_qs(body.decode("utf-8", "replace")) if body else {}
        operation = (form.get("Action") or ["?"])[0]
    app = _APP.search(headers.get("User-Agent", ""))
    return Call(service, operation, app.group(1) if app else "local")


def _error(call: Call, effect: str) -> tuple[int, dict[str, str], bytes]:
    """The answer AWS gives for this kind of fault, in the service's protocol."""
    throttle = effect == "throttle"
    if call.service in ("dynamodb", "sqs"):
        if call.service == "dynamodb":
            kind = "ProvisionedThroughputExceededException" if throttle else "InternalServerError"
            prefix = "com.amazonaws.dynamodb.v20120810#"
        else:
            kind = "ThrottlingException" if throttle else "InternalError"
            prefix = "com.amazonaws.sqs#"
        body = f'{{"__type": "{prefix}{kind}", "message": "injected by make chaos"}}'.encode()
        return (400 if throttle else 500), {"Content-Type": "application/x-amz-json-1.0"}, body
    code, status = (
        ("Throttling", 400)
        if throttle
        else ("InternalFailure" if call.service == "sns" else "ServiceUnavailable", 500)
    )
    body = (
        f'<ErrorResponse xmlns="https://{call.service}.amazonaws.com/doc/">'
        f"<Error><Type>{'Sender' if throttle else 'Receiver'}</Type><Code>{code}</Code>"
        f"<Message>injected by make chaos</Message></Error><RequestId>chaos</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml"}, body


class QuietServer(ThreadingHTTPServer):
    """A caller that vanishes mid-request (killed, or gave up) is normal here, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FaultProxy:
    def __init__(self, target: str, bus: Bus) -> None:
        parsed = urlsplit(target)
        self._host, self._port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self._bus = bus
        self.plan: FaultPlan | None = None
        self.injected: Counter[tuple[str, str, str]] = Counter()  # (service, operation, effect)
        self.emails: Counter[tuple[str, str]] = Counter()  # (order_id, status) SES accepted
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.handle(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    def start(self) -> str:
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def activate(self, plan: FaultPlan | None) -> None:
        self.plan = plan

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        call = _call_of(handler.headers, body)
        plan = self.plan
        effect, remaining = plan.decide(call) if plan else (None, 0.0)
        if effect is not None:
            with self._lock:
                self.injected[call.service, call.operation, effect] += 1
        if effect == "pause":
            time.sleep(max(0.0, remaining))
        elif effect == "refuse":
            handler.close_connection = True
            handler.connection.close()
            return
        elif effect in ("throttle", "error"):
            self._answer(handler, *_error(call, effect))
            return
        status, headers, answer = self._forward(handler, body)
        if status == 200 and call.service == "ses" and call.operation == "SendEmail":
            self._count_email(body)
        self._answer(handler, status, headers, answer)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection", "host")}
            headers["Host"] = f"{self._host}:{self._port}"
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")
            }
            return response.status, kept, data
        finally:
            connection.close()

    def _answer(
        self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the caller gave up (a timeout) or died (a kill)

    def _count_email(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        tags = {
            form[f"Tags.member.{n}.Name"]: form.get(f"Tags.member.{n}.Value", "")
            for n in range(1, 11)
            if f"Tags.member.{n}.Name" in form
        }
        with self._lock:
            self.emails[tags.get("order", "?"), tags.get("status", "?")] += 1

    def announce(self, text: str) -> None:
        self._bus.publish(Notice(text))
