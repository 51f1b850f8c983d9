"""The web console's server side without a browser: what it hides, what it refuses, what it reads."""

from __future__ import annotations

import email.message
import json
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from services.local.console.web import WebConsole
from services.local.console.web.views import emails_for, log_line, log_lines_for, redact

ORDER = "ord_" + "ab" * 16
OTHER = "ord_" + "cd" * 16


def test_redact_masks_tokens_keys_and_addresses_at_any_depth() -> None:
    event = {
        "data": {
            "payment_token": "tok_visa",
            "customer": {"email": "ada@example.com", "name": "Ada"},
            "lines": [{"api_key": "k-123", "note": "mail bob@example.org"}],
        }
    }
    shown = json.dumps(redact(event))
    for secret in ("tok_visa", "k-123", "ada@example.com", "bob@example.org"):
        assert secret not in shown
    assert redact(event)["data"]["customer"] == {"email": "a***@example.com", "name": "Ada"}


def _eml(directory: Path, name: str, order_id: str, subject: str) -> None:
    message = email.message.EmailMessage()
    message["To"] = "ada@example.com"
    message["Subject"] = subject
    message.set_content(f"<html><body><p>Order {order_id}</p></body></html>", subtype="html")
    (directory / name).write_bytes(bytes(message))


def test_emails_for_one_order_only_rendered_as_html_with_the_address_masked(tmp_path: Path) -> None:
    _eml(tmp_path, "0001.eml", ORDER, "We received your order abababab")
    _eml(tmp_path, "0002.eml", OTHER, "We received your order cdcdcdcd")
    _eml(tmp_path, "0003.eml", ORDER, "Your order abababab has shipped")
    found = emails_for(tmp_path, ORDER)
    assert [m["subject"] for m in found] == [
        "We received your order abababab",
        "Your order abababab has shipped",
    ]
    assert found[0]["to"] == "a***@example.com"
    assert ORDER in found[0]["html"]
    assert found[0]["text"] == ""


def test_log_lines_of_one_order_in_time_order_one_readable_line_each(tmp_path: Path) -> None:
    def line(at: str, message: str, **extra: Any) -> str:
        return json.dumps({"timestamp": at, "level": "INFO", "message": message, "order_id": ORDER, **extra})

    (tmp_path / "billing.log").write_text(
        line("2026-01-01T00:00:02Z", "Payment failed", payment_token="tok_x")
        + "\n"
        + json.dumps({"timestamp": "2026-01-01T00:00:00Z", "message": "other", "order_id": OTHER})
        + "\n"
    )
    (tmp_path / "invoice.log").write_text(
        line("2026-01-01T00:00:01Z", "Invoice issued") + "\nplain " + ORDER + "\n"
    )
    lines = log_lines_for(tmp_path, (ORDER, ""))
    assert [entry["function"] for entry in lines] == ["invoice", "invoice", "billing"]
    assert lines[1]["line"] == "2026-01-01T00:00:01Z INFO invoice: Invoice issued"
    assert "tok_x" not in lines[2]["line"]
    assert "payment_token=•••" in lines[2]["line"]
    assert log_line("x", "not json")[1] == "x: not json"
    failed = json.dumps(
        {"message": "Record failed", "exception": "Traceback (most recent call last):\n  ...\nE: boom\n"}
    )
    assert log_line("billing", failed)[1] == "billing: Record failed error=E: boom"


def _headers(**values: str) -> Message:
    headers = Message()
    for name, value in values.items():
        headers[name.replace("_", "-")] = value
    return headers


@pytest.fixture
def console(tmp_path: Path) -> WebConsole:
    state = {"dlq_urls": {"billing": "dlq"}, "queue_urls": {"billing": "q"}, "tables": {"orders": "t"}}

    def no_aws(name: str) -> Any:
        raise AssertionError(f"no AWS call expected ({name})")

    return WebConsole(lambda: state, no_aws, tmp_path, tmp_path)


def test_the_page_is_served_with_a_policy_that_runs_only_its_own_script(console: WebConsole) -> None:
    reply = console("GET", "/_console", _headers(Host="127.0.0.1:3000"), b"")
    assert reply.status == 200
    assert b"/_console/console.js" in reply.body
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    script = console("GET", "/_console/console.js", _headers(Host="localhost:3000"), b"")
    assert b"innerHTML" not in script.body  # data goes in as text, never as markup
    assert console("GET", "/_console/nope", _headers(Host="127.0.0.1"), b"").status == 404


def test_a_foreign_host_name_is_refused(console: WebConsole) -> None:
    reply = console("GET", "/_console/api/state", _headers(Host="evil.example:3000"), b"")
    assert reply.status == 403


def test_redrive_needs_the_console_header_and_a_consumer_dlq(console: WebConsole) -> None:
    path = "/_console/api/queues/billing/redrive"
    assert console("POST", path, _headers(Host="127.0.0.1:3000"), b"").status == 403
    unknown = console(
        "POST",
        "/_console/api/queues/unroutable/redrive",
        _headers(Host="127.0.0.1", X_Orderflow_Console="1"),
        b"",
    )
    assert unknown.status == 404
    assert b"billing" in unknown.body
    assert console("DELETE", path, _headers(Host="127.0.0.1"), b"").status == 405


def test_the_gateway_hands_only_paths_under_the_mount_to_it() -> None:
    from services.local.gateway.http import _Server

    server = _Server(0, invoker=None, read_timeout=1, stage="local", mounts={"/_console": print}, api_key="k")  # type: ignore[arg-type]
    try:
        assert server.mount_for("/_console") is print
        assert server.mount_for("/_console/api/state") is print
        assert server.mount_for("/_consoles") is None
        assert server.mount_for("/orders") is None
    finally:
        server.server_close()
