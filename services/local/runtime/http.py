"""The Runtime API's HTTP transport (stdlib only): parses requests, calls the public methods of
`Invocations`, writes responses. It keeps no invocation state of its own."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.local.runtime.invocations import Invocations
from services.local.runtime.protocol import (
    HEADER_DEADLINE_MS,
    HEADER_ERROR_TYPE,
    HEADER_FUNCTION_ARN,
    HEADER_REQUEST_ID,
    HEADER_TRACE_ID,
    INIT_ERROR_PATH,
    INVOCATION_PREFIX,
    NEXT_PATH,
    STOPPED_ERROR_TYPE,
    decode_error,
    decode_payload,
    error,
)


class RuntimeHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], invocations: Invocations, function_arn: str) -> None:
        self.invocations = invocations
        self.function_arn = function_arn
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, RuntimeHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a runtime killed mid-request
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class RuntimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the native runtime client reuses its connection
    server: RuntimeHttpServer

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
        body: bytes | dict[str, Any],
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

    def _runtime_gone(self) -> bool:
        """True when the runtime closed its end while we hold its long-poll."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, error("NotFound", f"unknown path {self.path}"))

    # -- routes -----------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path == NEXT_PATH:
            self._next()
        else:
            self._not_found()

    def do_POST(self) -> None:
        body = self._read_body()
        invocations = self.server.invocations
        if self.path == INIT_ERROR_PATH:
            invocations.init_failed(decode_error(body, self.headers.get(HEADER_ERROR_TYPE)))
            self._send(HTTPStatus.ACCEPTED, {"status": "OK"})
            return
        if self.path.startswith(INVOCATION_PREFIX):
            request_id, _, action = self.path[len(INVOCATION_PREFIX) :].rpartition("/")
            outcomes: dict[str, Callable[[], bool]] = {
                "response": lambda: invocations.complete(request_id, decode_payload(body)),
                "error": lambda: invocations.fail(
                    request_id, decode_error(body, self.headers.get(HEADER_ERROR_TYPE))
                ),
            }
            if request_id and action in outcomes:
                if outcomes[action]():
                    self._send(HTTPStatus.ACCEPTED, {"status": "OK"})
                else:
                    self._send(
                        HTTPStatus.BAD_REQUEST,
                        error("InvalidRequestID", f"Invalid request ID: {request_id}"),
                    )
                return
        self._not_found()

    def _next(self) -> None:
        invocations = self.server.invocations
        invocation = invocations.take(self._runtime_gone)
        if invocation is None:
            if self._runtime_gone():
                self.close_connection = True
                return
            # Stopping: a runtime told 500 on /next must exit.
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                error(STOPPED_ERROR_TYPE, "Runtime API server is stopping"),
                close=True,
            )
            return
        headers = {
            HEADER_REQUEST_ID: invocation.request_id,
            HEADER_DEADLINE_MS: str(invocation.deadline_ms),
            HEADER_FUNCTION_ARN: self.server.function_arn,
            HEADER_TRACE_ID: invocation.trace_id,
        }
        try:
            self._send(HTTPStatus.OK, invocation.body, headers)
        except OSError:
            invocations.give_back(invocation)  # the runtime vanished: another one takes it
            self.close_connection = True
