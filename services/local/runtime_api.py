"""A Lambda Runtime API server on loopback (stdlib only).

It plays the part of Lambda's control plane for a runtime client such as
``python -m awslambdaric <handler>``: the runtime long-polls
``GET /2018-06-01/runtime/invocation/next``, runs the handler and posts the
outcome to ``.../invocation/{id}/response`` or ``.../invocation/{id}/error``;
a handler that cannot even be imported is reported on ``.../init/error``.

The local stack runs handler subprocesses against it, and the image tests run
containers (``--network host``) against it, so the same code path that runs in
AWS runs here::

    with RuntimeApiServer("invoice", timeout_seconds=30) as api:
        env = {**os.environ, **api.runtime_environment()}
        proc = subprocess.Popen([sys.executable, "-m", "awslambdaric", handler], env=env)
        api.wait_until_polled(10)
        result = api.invoke({"Records": []})

Semantics follow the 2018-06-01 Runtime API: ``/next`` answers 200 with the
event and the ``Lambda-Runtime-*`` headers, the posts answer 202, an unknown
request id answers 400 (``InvalidRequestID``), and a runtime that is told 500
must exit (what it hears from ``/next`` while the server stops).
The deadline (``Lambda-Runtime-Deadline-Ms``) is set when a runtime takes the
invocation: now + ``timeout_seconds``. A runtime that has not answered by then
gets a ``Sandbox.Timedout`` error result; its late answer is accepted (202) and
dropped, so the process stays usable.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import select
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_VERSION = "2018-06-01"
_PREFIX = f"/{API_VERSION}/runtime"

HEADER_REQUEST_ID = "Lambda-Runtime-Aws-Request-Id"
HEADER_DEADLINE_MS = "Lambda-Runtime-Deadline-Ms"
HEADER_FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn"
HEADER_TRACE_ID = "Lambda-Runtime-Trace-Id"
HEADER_CLIENT_CONTEXT = "Lambda-Runtime-Client-Context"
HEADER_COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity"
HEADER_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"

TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"
UNAVAILABLE_ERROR_TYPE = "Runtime.Unavailable"
STOPPED_ERROR_TYPE = "Runtime.Stopped"

_POLL_INTERVAL = 0.25  # how often a waiting /next re-checks for stop / client gone
_FINISHED_MEMORY = 4096  # request ids remembered to accept (and drop) late answers


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one invocation, as the caller of Lambda's Invoke sees it."""

    request_id: str
    ok: bool
    payload: Any  # decoded JSON response (or the raw text if not JSON); None on error
    error: dict | None  # errorMessage / errorType / stackTrace as the runtime posted them
    duration_ms: float  # from invoke() to the outcome, queueing included


@dataclass
class _Invocation:
    request_id: str
    body: bytes
    client_context: str | None
    cognito_identity: str | None
    trace_id: str
    started: float = field(default_factory=time.monotonic)
    deadline_ms: int | None = None  # epoch ms, set when a runtime takes it
    deadline_monotonic: float | None = None
    result: InvocationResult | None = None

    def finish(self, *, ok: bool, payload: Any = None, error: dict | None = None) -> None:
        self.result = InvocationResult(
            request_id=self.request_id,
            ok=ok,
            payload=payload,
            error=error,
            duration_ms=(time.monotonic() - self.started) * 1000.0,
        )


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def _decode_payload(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _decode_error(body: bytes, error_type_header: str | None) -> dict:
    try:
        error = json.loads(body) if body else {}
    except ValueError:
        error = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(error, dict):
        error = {"errorMessage": error}
    if error_type_header and not error.get("errorType"):
        error["errorType"] = error_type_header
    error.setdefault("errorType", "Unknown")
    error.setdefault("errorMessage", "")
    return error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: RuntimeApiServer) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the native runtime client reuses its connection
    server: _Server

    # -- plumbing ---------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the runtime's own logs are what matters; keep the console quiet

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes | dict,
        headers: dict[str, str] | None = None,
        *,
        close: bool = False,
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _client_gone(self) -> bool:
        """True when the runtime closed its end while we hold its long-poll."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    # -- routes -----------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path == f"{_PREFIX}/invocation/next":
            self.server.api._serve_next(self)
        else:
            self._send(
                HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {self.path}", "errorType": "NotFound"}
            )

    def do_POST(self) -> None:
        body = self._read_body()
        api = self.server.api
        path = self.path
        if path == f"{_PREFIX}/init/error":
            api._post_init_error(self, body)
            return
        if path.startswith(f"{_PREFIX}/invocation/"):
            rest = path[len(f"{_PREFIX}/invocation/") :]
            request_id, _, action = rest.rpartition("/")
            if request_id and action in ("response", "error"):
                api._post_outcome(self, request_id, action, body)
                return
        self._send(HTTPStatus.NOT_FOUND, {"errorMessage": f"unknown path {path}", "errorType": "NotFound"})


class RuntimeApiServer:
    """One function's Runtime API: any number of runtime clients may poll it."""

    def __init__(
        self,
        function_name: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_seconds: float = 30,
        memory_mb: int = 256,
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self.function_name = function_name
        self.timeout_seconds = float(timeout_seconds)
        self.memory_mb = memory_mb
        self.region = region
        self.account_id = account_id
        self.function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self._host = host
        self._port = port
        self._cond = threading.Condition()
        self._queue: deque[_Invocation] = deque()
        self._inflight: dict[str, _Invocation] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._polled = threading.Event()
        self._waiting_clients = 0
        self._init_error: dict | None = None
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    @property
    def address(self) -> str:
        """host:port, the value for AWS_LAMBDA_RUNTIME_API."""
        if self._server is None:
            raise RuntimeError("RuntimeApiServer is not started")
        return f"{self._host}:{self._server.server_address[1]}"

    def start(self) -> None:
        if self._server is not None:
            return
        self._stopping = False
        self._server = _Server((self._host, self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"runtime-api-{self.function_name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Fail what is pending, answer waiting long-polls with 500, close every connection."""
        server = self._server
        if server is None:
            return
        with self._cond:
            self._stopping = True
            error = {"errorType": STOPPED_ERROR_TYPE, "errorMessage": "the Runtime API server stopped"}
            for inv in list(self._queue) + list(self._inflight.values()):
                if inv.result is None:
                    inv.finish(ok=False, error=dict(error))
                    self._remember_finished(inv.request_id)
            self._queue.clear()
            self._inflight.clear()
            self._cond.notify_all()
        server.shutdown()
        deadline = time.monotonic() + 2 * _POLL_INTERVAL + 0.5
        while time.monotonic() < deadline:  # let waiting /next handlers send their 500
            with self._cond:
                if self._waiting_clients == 0:
                    break
            time.sleep(0.02)
        with server.connections_lock:
            conns = list(server.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> RuntimeApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state for callers -------------------------------------------------------
    @property
    def init_error(self) -> dict | None:
        """The error a runtime posted to /runtime/init/error (its handler failed to load)."""
        return self._init_error

    def clear_init_error(self) -> None:
        """Forget an init error, e.g. after restarting the runtime processes."""
        with self._cond:
            self._init_error = None

    @property
    def waiting_clients(self) -> int:
        """How many runtime clients are parked on /next right now."""
        with self._cond:
            return self._waiting_clients

    def wait_until_polled(self, timeout: float) -> bool:
        """True once any runtime client has called /next (it initialised its handler)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._polled.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
                return True
            if self._init_error is not None or time.monotonic() >= deadline:
                return self._polled.is_set()

    def runtime_environment(self) -> dict[str, str]:
        """The environment Lambda gives a runtime process for this function."""
        return {
            "AWS_LAMBDA_RUNTIME_API": self.address,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    # -- the caller's side -----------------------------------------------------
    def invoke(
        self,
        event: Any,
        *,
        timeout: float | None = None,
        client_context: dict | None = None,
    ) -> InvocationResult:
        """Queue one invocation and wait for its outcome (thread-safe).

        ``timeout`` bounds how long this call blocks in total (waiting for a free
        runtime included); ``None`` waits for a runtime as long as it takes, and
        then up to the function's deadline. An init error, a stopped server or a
        missed deadline come back as an error result, never as an exception.
        """
        if self._server is None:
            raise RuntimeError("RuntimeApiServer is not started")
        inv = _Invocation(
            request_id=str(uuid.uuid4()),
            body=json.dumps(event).encode(),
            client_context=json.dumps(client_context) if client_context is not None else None,
            cognito_identity=None,
            trace_id=_trace_id(),
        )
        give_up = None if timeout is None else inv.started + timeout
        with self._cond:
            if self._init_error is not None:
                inv.finish(ok=False, error=dict(self._init_error))
                return inv.result  # type: ignore[return-value]
            if self._stopping:
                inv.finish(
                    ok=False,
                    error={"errorType": STOPPED_ERROR_TYPE, "errorMessage": "the Runtime API server stopped"},
                )
                return inv.result  # type: ignore[return-value]
            self._queue.append(inv)
            self._cond.notify_all()
            while inv.result is None:
                now = time.monotonic()
                queued = inv.deadline_monotonic is None
                if queued and self._init_error is not None:
                    self._queue.remove(inv)
                    inv.finish(ok=False, error=dict(self._init_error))
                    break
                if not queued and now >= inv.deadline_monotonic:  # type: ignore[operator]
                    self._expire(inv, f"Task timed out after {self.timeout_seconds:.2f} seconds")
                    break
                if give_up is not None and now >= give_up:
                    if queued:
                        self._queue.remove(inv)
                        inv.finish(
                            ok=False,
                            error={
                                "errorType": UNAVAILABLE_ERROR_TYPE,
                                "errorMessage": f"no runtime took the invocation within {timeout:.2f} s",
                            },
                        )
                        self._remember_finished(inv.request_id)
                    else:
                        self._expire(inv, f"invoke() gave up after {timeout:.2f} seconds")
                    break
                waits = [_POLL_INTERVAL if queued else inv.deadline_monotonic - now]  # type: ignore[operator]
                if give_up is not None:
                    waits.append(give_up - now)
                self._cond.wait(max(0.001, min(waits)))
        return inv.result  # type: ignore[return-value]

    def _expire(self, inv: _Invocation, message: str) -> None:
        self._inflight.pop(inv.request_id, None)
        self._remember_finished(inv.request_id)
        inv.finish(
            ok=False, error={"errorType": TIMEOUT_ERROR_TYPE, "errorMessage": f"{inv.request_id} {message}"}
        )

    def _remember_finished(self, request_id: str) -> None:
        self._finished[request_id] = None
        while len(self._finished) > _FINISHED_MEMORY:
            self._finished.popitem(last=False)

    # -- the runtime's side (called from handler threads) ----------------------
    def _serve_next(self, handler: _Handler) -> None:
        self._polled.set()
        inv: _Invocation | None = None
        with self._cond:
            self._waiting_clients += 1
            try:
                while not self._stopping:
                    if self._queue:
                        if handler._client_gone():
                            handler.close_connection = True
                            return
                        inv = self._queue.popleft()
                        inv.deadline_monotonic = time.monotonic() + self.timeout_seconds
                        inv.deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
                        self._inflight[inv.request_id] = inv
                        break
                    self._cond.wait(_POLL_INTERVAL)
                    if not self._queue and handler._client_gone():
                        handler.close_connection = True
                        return
            finally:
                self._waiting_clients -= 1
        if inv is None:  # stopping: tell the runtime to exit
            handler._send(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"errorMessage": "Runtime API server is stopping", "errorType": STOPPED_ERROR_TYPE},
                close=True,
            )
            return
        headers = {
            HEADER_REQUEST_ID: inv.request_id,
            HEADER_DEADLINE_MS: str(inv.deadline_ms),
            HEADER_FUNCTION_ARN: self.function_arn,
            HEADER_TRACE_ID: inv.trace_id,
        }
        if inv.client_context is not None:
            headers[HEADER_CLIENT_CONTEXT] = inv.client_context
        if inv.cognito_identity is not None:
            headers[HEADER_COGNITO_IDENTITY] = inv.cognito_identity
        try:
            handler._send(HTTPStatus.OK, inv.body, headers)
        except OSError:
            with self._cond:  # the runtime vanished: give the invocation to another one
                if self._inflight.pop(inv.request_id, None) is not None and inv.result is None:
                    inv.deadline_ms = inv.deadline_monotonic = None
                    self._queue.appendleft(inv)
                    self._cond.notify_all()
            handler.close_connection = True

    def _post_outcome(self, handler: _Handler, request_id: str, action: str, body: bytes) -> None:
        with self._cond:
            inv = self._inflight.pop(request_id, None)
            if inv is None:
                known = request_id in self._finished
            else:
                if action == "response":
                    inv.finish(ok=True, payload=_decode_payload(body))
                else:
                    inv.finish(ok=False, error=_decode_error(body, handler.headers.get(HEADER_ERROR_TYPE)))
                self._remember_finished(request_id)
                self._cond.notify_all()
        if inv is None and not known:
            handler._send(
                HTTPStatus.BAD_REQUEST,
                {"errorMessage": f"Invalid request ID: {request_id}", "errorType": "InvalidRequestID"},
            )
            return
        # a late answer (after the deadline) is accepted and dropped, as the process lives on here
        handler._send(HTTPStatus.ACCEPTED, {"status": "OK"})

    def _post_init_error(self, handler: _Handler, body: bytes) -> None:
        error = _decode_error(body, handler.headers.get(HEADER_ERROR_TYPE))
        with self._cond:
            self._init_error = error
            while self._queue:
                inv = self._queue.popleft()
                inv.finish(ok=False, error=dict(error))
                self._remember_finished(inv.request_id)
            self._cond.notify_all()
        handler._send(HTTPStatus.ACCEPTED, {"status": "OK"})


__all__ = ["InvocationResult", "RuntimeApiServer"]
