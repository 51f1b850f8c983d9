"""The web console's HTTP side, mounted on the local API gateway at /_console (gateway/http.py).

    GET  /_console                              the page (static HTML, a script, a stylesheet)
    GET  /_console/api/state                    counts, orders newest first, stuck orders, DLQs
    GET  /_console/api/orders/{order}           one order: timeline, payment, emails, log lines
    POST /_console/api/queues/{queue}/redrive   move a consumer DLQ's messages back to its queue

Only loopback names are accepted in Host (a web page elsewhere cannot rebind a name to it), and
the redrive needs the `X-Orderflow-Console` header, which no cross-site form can send without a
CORS preflight this server never grants.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from typing import Any

from services.local.console.web import views
from services.local.gateway.http import Reply, error_reply
from services.local.tools import orders as ops
from services.local.watch import Watches

PREFIX = "/_console"
STATIC = Path(__file__).resolve().parent / "static"
CONSOLE_HEADER = "X-Orderflow-Console"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
_PAGES = {"": "index.html", "/": "index.html", "/console.js": "console.js", "/console.css": "console.css"}
_ORDER = re.compile(r"/api/orders/([A-Za-z0-9_]{1,64})")
_REDRIVE = re.compile(r"/api/queues/([A-Za-z0-9_-]{1,80})/redrive")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# Served with every answer: the page runs only its own script and embeds nothing from elsewhere.
_SECURITY = {
    "Content-Security-Policy": "default-src 'self'; frame-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _json(document: Any, status: HTTPStatus = HTTPStatus.OK) -> Reply:
    body = json.dumps(document).encode()
    return Reply(int(status), {"Content-Type": "application/json", **_SECURITY}, body)


class WebConsole:
    """Answers the /_console requests of one running stack.

    `state` returns the stack's state document (the one stack.json holds); `client` makes a boto3
    client for the emulator. Clients are made once and shared (boto3 clients are thread-safe)."""

    def __init__(
        self,
        state: Callable[[], dict[str, Any]],
        client: Callable[[str], Any],
        emails_dir: Path,
        logs_dir: Path,
        watch: Watches | None = None,
    ) -> None:
        self._state = state
        self._watch = watch
        self._client = client
        self._clients: dict[str, Any] = {}
        self.emails_dir = emails_dir
        self.logs_dir = logs_dir

    def client(self, name: str) -> Any:
        if name not in self._clients:
            self._clients[name] = self._client(name)
        return self._clients[name]

    def __call__(self, method: str, path: str, headers: Message, body: bytes) -> Reply:
        host = (headers.get("Host") or "").rsplit(":", 1)[0].lower()
        if host not in _LOOPBACK_HOSTS:
            return error_reply(HTTPStatus.FORBIDDEN, "the console answers only on 127.0.0.1 or localhost")
        rest = path.split("?", 1)[0].removeprefix(PREFIX)
        if method in ("GET", "HEAD"):
            return self._get(rest)
        if method == "POST" and (found := _REDRIVE.fullmatch(rest)):
            if headers.get(CONSOLE_HEADER) != "1":
                return error_reply(HTTPStatus.FORBIDDEN, f"send the {CONSOLE_HEADER}: 1 header")
            return self._redrive(found.group(1))
        return error_reply(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} {path} is not a console request")

    def _get(self, rest: str) -> Reply:
        if rest in _PAGES:
            page = STATIC / _PAGES[rest]
            return Reply(200, {"Content-Type": _TYPES[page.suffix], **_SECURITY}, page.read_bytes())
        if rest == "/api/state":
            document = views.summary(self._state(), self.client("dynamodb"), self.client("sqs"))
            return _json(views.with_watch(document, self._watch))
        if found := _ORDER.fullmatch(rest):
            try:
                document = views.detail(
                    self._state(), self.client("dynamodb"), found.group(1), self.emails_dir, self.logs_dir
                )
            except ops.Unknown as unknown:
                return error_reply(HTTPStatus.NOT_FOUND, str(unknown))
            return _json(document)
        return error_reply(HTTPStatus.NOT_FOUND, f"no console page {PREFIX}{rest}")

    def _redrive(self, queue: str) -> Reply:
        state = self._state()
        dlqs, sources = state["dlq_urls"], state["queue_urls"]
        if queue not in dlqs:
            return error_reply(
                HTTPStatus.NOT_FOUND, f"no consumer DLQ {queue!r}; one of: {', '.join(sorted(dlqs))}"
            )
        moved = ops.redrive(self.client("sqs"), dlqs[queue], sources[queue])
        return _json({"queue": queue, "moved": moved})
