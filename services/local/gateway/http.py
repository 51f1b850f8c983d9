"""The REST API on loopback, as API Gateway fronts the order-api function.

Every request becomes an API Gateway REST proxy event, whatever its method or path: the REST API
routes `ANY /orders`, `ANY /orders/{order_id}` and `ANY /{proxy+}` to the function, which answers
404 and 405 itself. What API Gateway decides before the function runs is decided here too:
- a body over API Gateway's 10 MB payload limit is refused with 413, unread;
- a bad `Content-Length` is 400, and a body that does not arrive in time is 408;
- every method requires the API key (terraform: `api_key_required`): without `x-api-key`, or with
  another key than the stack's, the answer is API Gateway's 403 `{"message": "Forbidden"}`, and
  the function never sees the request, so a bad body without a key is 403, not 400;
- a body that is not UTF-8 reaches the function base64-encoded (`isBase64Encoded`);
- a function that fails or times out is 502 `Internal server error`.
Errors decided here use the API's JSON error body, never an HTML page.

A path under a mount (the web console's /_console) is answered by the mount and never reaches the
function: the one thing the local gateway serves that API Gateway does not.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from services.local.gateway.routes import resolve
from services.local.runtime import InvocationResult
from services.local.serving import Served
from services.local.settings import ACCOUNT_ID, API_KEY_HEADER

PAYLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway's maximum payload
PROXY_RESOURCE = "/{proxy+}"


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any]) -> InvocationResult: ...


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


# A mount answers the requests under its prefix: (method, path with query, headers, body) -> Reply.
Mount = Callable[[str, str, Message, bytes], Reply]


def error_reply(status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps({"message": message, "errors": []}).encode()
    return Reply(int(status), {"Content-Type": "application/json", **(headers or {})}, body)


# What API Gateway answers a request without a valid API key, body and all.
FORBIDDEN = Reply(
    int(HTTPStatus.FORBIDDEN),
    {"Content-Type": "application/json", "x-amzn-ErrorType": "ForbiddenException"},
    json.dumps({"message": "Forbidden"}).encode(),
)


def key_accepted(headers: Message, api_key: str) -> bool:
    """The request carries `api_key` in x-api-key (any case of the name, as HTTP has it)."""
    given = headers.get(API_KEY_HEADER)
    return given is not None and hmac.compare_digest(given.strip().encode(), api_key.encode())


def proxy_event(
    method: str, raw_path: str, headers: Message, body: bytes, *, stage: str = "local"
) -> dict[str, Any]:
    """The REST API proxy event API Gateway would build for this request."""
    url = urlsplit(raw_path)
    found = resolve(url.path)
    if found is None:
        resource, parameters = PROXY_RESOURCE, {"proxy": url.path.lstrip("/")}
    else:
        resource, parameters = found[0].resource, found[1]
    query = parse_qs(url.query, keep_blank_values=True)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers.items():
        single[name] = value
        multi.setdefault(name, []).append(value)
    try:
        text: str | None = body.decode("utf-8") if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "resource": resource,
        "path": url.path,
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{url.path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "requestId": os.urandom(16).hex(),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": single.get("User-Agent", "")},
            "apiId": "local",
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def reply_of(result: InvocationResult) -> Reply:
    """What API Gateway answers for the function's result."""
    payload = result.payload
    if not result.ok or not isinstance(payload, dict) or not isinstance(payload.get("statusCode"), int):
        return error_reply(HTTPStatus.BAD_GATEWAY, "Internal server error")
    headers = {k: str(v[-1]) for k, v in (payload.get("multiValueHeaders") or {}).items() if v}
    headers.update({k: str(v) for k, v in (payload.get("headers") or {}).items()})
    raw = payload.get("body") or ""
    body = base64.b64decode(raw) if payload.get("isBase64Encoded") else str(raw).encode()
    return Reply(payload["statusCode"], headers, body)


class _BadBody(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # an unparseable request line still gets a status line
    server: _Server
    error_content_type = "application/json"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # a read that stalls this long ends it

    def __getattr__(self, name: str) -> Any:
        # Every method is forwarded (do_GET, do_TRACE, do_BREW...): the function answers 405.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        status = HTTPStatus(code)
        self._reply(error_reply(status, message or status.phrase), close=True)

    def _reply(self, reply: Reply, *, close: bool = False) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw.strip())
            if length < 0 or not raw.strip().isdigit():
                raise ValueError(raw)
        except ValueError:
            raise _BadBody(error_reply(HTTPStatus.BAD_REQUEST, f"Invalid Content-Length: {raw!r}")) from None
        if length > PAYLOAD_LIMIT:
            raise _BadBody(error_reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request payload too large"))
        body = self.rfile.read(length)
        if len(body) < length:
            raise _BadBody(error_reply(HTTPStatus.BAD_REQUEST, "The body ended before Content-Length"))
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadBody(error_reply(HTTPStatus.BAD_REQUEST, "Malformed chunked body")) from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > PAYLOAD_LIMIT:
                raise _BadBody(error_reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request payload too large"))
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise _BadBody(error_reply(HTTPStatus.BAD_REQUEST, "The body ended before its chunk did"))
            chunks.append(chunk)
            self.rfile.readline(1024)  # CRLF after each chunk

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except _BadBody as bad:
            self._reply(bad.reply, close=True)
            return
        except TimeoutError:
            self._reply(
                error_reply(HTTPStatus.REQUEST_TIMEOUT, "The request body did not arrive in time"), close=True
            )
            return
        mount = self.server.mount_for(urlsplit(self.path).path)
        if mount is not None:
            self._reply(mount(self.command, self.path, self.headers, body))
            return
        if not key_accepted(self.headers, self.server.api_key):
            self._reply(FORBIDDEN)
            return
        event = proxy_event(self.command, self.path, self.headers, body, stage=self.server.stage)
        self._reply(reply_of(self.server.invoker.invoke(event)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up is no error
            super().handle_error(request, client_address)

    def __init__(
        self,
        port: int,
        invoker: Invoker,
        read_timeout: float,
        stage: str,
        mounts: Mapping[str, Mount],
        api_key: str,
    ) -> None:
        self.invoker = invoker
        self.api_key = api_key
        self.read_timeout = read_timeout
        self.stage = stage
        self.mounts = dict(mounts)
        super().__init__(("127.0.0.1", port), _Handler)

    def mount_for(self, path: str) -> Mount | None:
        for prefix, mount in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                return mount
        return None


class Gateway(Served):
    """The local REST API: start() binds the port and serves in a thread. `api_key`: what every
    request must carry in x-api-key."""

    def __init__(
        self,
        invoker: Invoker,
        port: int,
        *,
        api_key: str,
        read_timeout: float = 10.0,
        stage: str = "local",
        mounts: Mapping[str, Mount] | None = None,
    ) -> None:
        server = _Server(port, invoker, read_timeout, stage, mounts or {}, api_key)
        super().__init__(server, "gateway")
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
