"""Lambda's Invoke endpoint in front of a Runtime API server, as aws-lambda-rie serves it:

    POST /2015-03-31/functions/function/invocations   (body: the event)

It queues the event on a `RuntimeApiServer` and answers with what the runtime posted: 200 and the
function's response; for a function error (raised, timed out, failed to start) 200 with the error
document and `X-Amz-Function-Error: Unhandled`, as Lambda's Invoke does; 400 for a body that is not
JSON. `make run-image` uses it when aws-lambda-rie is not installed
(services/local/images/run_runtime_api.py),
so `make invoke` works either way.
"""

from __future__ import annotations

import json
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.local.runtime.server import RuntimeApiServer
from services.local.serving import Served

INVOKE_PATH = re.compile(r"/2015-03-31/functions/[A-Za-z0-9_:$.-]+/invocations")
FUNCTION_ERROR_HEADER = "X-Amz-Function-Error"


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"Type": "User", "errorType": error_type, "message": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _InvokeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not INVOKE_PATH.fullmatch(self.path.split("?", 1)[0]):
            self._send(HTTPStatus.NOT_FOUND, _error("ResourceNotFoundException", f"no route {self.path}"))
            return
        try:
            event = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self._send(
                HTTPStatus.BAD_REQUEST,
                _error("InvalidRequestContentException", "Could not parse request body into json"),
            )
            return
        result = self.server.api.invoke(event)
        if result.ok:
            payload = result.payload
            body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self._send(HTTPStatus.OK, body)
        else:
            self._send(HTTPStatus.OK, json.dumps(result.error).encode(), {FUNCTION_ERROR_HEADER: "Unhandled"})

    def do_GET(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, _error("ResourceNotFoundException", "POST an event to invoke"))


class _InvokeServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], api: RuntimeApiServer) -> None:
        self.api = api
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class InvokeApi(Served):
    """Serves the Invoke endpoint for `api` on host:port (port 0: any free one)."""

    def __init__(self, api: RuntimeApiServer, port: int, host: str = "127.0.0.1") -> None:
        server = _InvokeServer((host, port), api)
        super().__init__(server, "invoke-api")
        self.url = f"http://{host}:{server.server_address[1]}/2015-03-31/functions/function/invocations"
