"""The local stack over real HTTP: every ending of the saga, retries, DLQ, the sweeper, load."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from services.local.bus import MovedToDlq, RecordFailed
from services.local.console.text import TextConsole
from services.local.stack import LocalStack
from services.local.tools import cli
from services.local.tools import orders as ops
from services.local.tools.client import aws_client, request, wait_for_terminal
from tests.e2e.conftest import DEADLINE, Recorder, emails_for, eventually, order, post, table_item

pytestmark = pytest.mark.e2e


def test_happy_path_ships_captures_and_emails_once_per_status(
    stack: LocalStack, state: dict[str, Any]
) -> None:
    status, headers, created = post(stack, order())
    assert status == 201
    assert headers["Location"] == f"/orders/{created['order_id']}"

    final = wait_for_terminal(stack.api_url, created["order_id"], DEADLINE)
    assert final["status"] == "SHIPPED"
    assert final["complete"] is True
    assert [t["status"] for t in final["timeline"]] == [
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPPED",
        "PAYMENT_CAPTURED",
    ]
    assert final["tracking_number"]
    assert final["invoice_number"]
    assert final["payment"]["state"] == "captured"
    assert final["payment"]["captured_amount"] == final["total"]

    subjects = eventually(lambda: (s := emails_for(stack, created["order_id"])) and len(s) >= 4 and s)
    time.sleep(1.0)  # give a duplicate, if any, the chance to show up
    subjects = emails_for(stack, created["order_id"])
    assert len(subjects) == 4, subjects
    assert any("has shipped" in s for s in subjects)


def test_declined_payment_ends_in_payment_failed(stack: LocalStack, state: dict[str, Any]) -> None:
    _, _, created = post(stack, order(token="tok_chargeDeclined"))
    final = wait_for_terminal(stack.api_url, created["order_id"], DEADLINE)
    assert final["status"] == "PAYMENT_FAILED"
    assert final["failure_reason"] == "card_declined"
    assert final["tracking_number"] is None
    assert final["payment"]["captured_amount"] == 0
    eventually(lambda: any("Payment failed" in s for s in emails_for(stack, created["order_id"])))
    assert table_item(state, "shipments", created["order_id"]) is None


def test_refused_destination_releases_the_hold(stack: LocalStack, state: dict[str, Any]) -> None:
    _, _, created = post(stack, order(country="AU"))
    final = wait_for_terminal(stack.api_url, created["order_id"], DEADLINE)
    assert final["status"] == "SHIPMENT_ERROR"
    assert "AU" in final["failure_reason"]
    assert (final["payment"]["state"], final["payment"]["captured_amount"]) == ("voided", 0)
    subjects = eventually(lambda: (s := emails_for(stack, created["order_id"])) and len(s) >= 5 and s)
    assert any("could not ship" in s for s in subjects)
    assert any("Hold released" in s for s in subjects)


def _dlq_orders(state: dict[str, Any], queue: str) -> set[str]:
    messages = ops.peek(aws_client(state, "sqs"), queue, state["dlq_urls"][queue])
    return {m.order_id for m in messages if m.order_id}


def _dlq_count(state: dict[str, Any], queue: str, order_id: str) -> int:
    messages = ops.peek(aws_client(state, "sqs"), queue, state["dlq_urls"][queue])
    return sum(1 for m in messages if m.order_id == order_id)


def test_processing_error_lands_in_the_dlq_then_the_sweeper_flags_the_order(
    stack: LocalStack, state: dict[str, Any], capsys: pytest.CaptureFixture[str], bus_events: Recorder
) -> None:
    _, _, created = post(stack, order(token="tok_processingError"))
    order_id = created["order_id"]

    # While billing retries it, the console's order list says so: function, attempt, reason.
    def retrying() -> list[dict[str, Any]]:
        rows = request("GET", f"{stack.api_url}/_console/api/state")[2]["orders"]
        return next((r["retrying"] for r in rows if r["order_id"] == order_id), [])

    shown = eventually(retrying, interval=0.05)
    assert shown[0]["function"] == "billing"
    assert shown[0]["attempt"] >= 1
    assert shown[0]["reason"] == "TransientPaymentError: payment provider processing error; retry later"
    eventually(lambda: order_id in _dlq_orders(state, "billing"))
    assert table_item(state, "payments", order_id) is None
    # Each failed attempt was announced with the order, the exception and the attempt number,
    # and the move to the DLQ with its own line (the console prints these events).
    failed = [e for e in bus_events.of(RecordFailed) if e.order_id == order_id]
    failures = [e for e in failed if e.message_id == failed[0].message_id]  # the sweeper's copy aside
    assert [f.attempt for f in failures] == [1, 2, 3, 4, 5]
    assert {f.error for f in failures} == {
        "TransientPaymentError: payment provider processing error; retry later"
    }
    lines = [
        TextConsole(print).line(e) for e in [*failures, *bus_events.of(MovedToDlq)] if e.order_id == order_id
    ]
    short = order_id.removeprefix("ord_")[:8]
    assert lines[-1] == f"  ✗ billing: order {short} moves to billing-dlq after 5 attempts"
    assert lines[0] == f"  ! billing: order {short} failed (attempt 1): {failures[0].error}"
    # The sweeper re-publishes INVOICE_CREATED once; billing fails again; then it flags the order.
    flagged = eventually(
        lambda: (o := request("GET", f"{stack.api_url}/orders/{order_id}")[2])["attention"] and o
    )
    assert flagged["status"] == "INVOICE_CREATED"
    assert "INVOICE_CREATED" in flagged["attention"]["reason"]
    assert flagged["complete"] is False

    capsys.readouterr()
    assert cli.main(["stuck"]) == 0
    out = capsys.readouterr().out
    assert order_id.removeprefix("ord_")[:8] in out
    assert "in billing: INVOICE_CREATED" in out

    # Redrive (what an operator does once the provider recovers): the messages go back to
    # billing, which takes them again (this simulated fault never clears: they fail again).
    def failed() -> int:
        return len([e for e in bus_events.of(RecordFailed) if e.order_id == order_id])

    # The sweeper's copy reaches the DLQ after its own five attempts, which may end after the flag.
    eventually(lambda: _dlq_count(state, "billing", order_id) == 2)
    failures_before = failed()
    assert cli.main(["redrive", "billing"]) == 0
    assert "moved 2 message(s)" in capsys.readouterr().out  # the original and the sweeper's copy
    assert order_id not in _dlq_orders(state, "billing")
    eventually(
        lambda: len([e for e in bus_events.of(RecordFailed) if e.order_id == order_id]) > failures_before
    )
    assert table_item(state, "payments", order_id) is None


def test_same_idempotency_key_twice_yields_one_order(stack: LocalStack, state: dict[str, Any]) -> None:
    tag = f"idem-{time.time_ns()}"
    body = {**order(), "customer": {**order()["customer"], "id": tag}}
    first = post(stack, body, {"Idempotency-Key": tag})
    second = post(stack, body, {"Idempotency-Key": tag})
    assert first[0] == second[0] == 201
    assert first[2]["order_id"] == second[2]["order_id"]
    wait_for_terminal(stack.api_url, first[2]["order_id"], DEADLINE)
    rows = aws_client(state, "dynamodb").scan(TableName=state["tables"]["orders"])["Items"]
    assert [r["order_id"]["S"] for r in rows if r["customer"]["M"]["id"]["S"] == tag] == [
        first[2]["order_id"]
    ]
    invoices = aws_client(state, "dynamodb").scan(TableName=state["tables"]["invoices"])["Items"]
    assert sum(1 for i in invoices if i.get("order_id", {}).get("S") == first[2]["order_id"]) == 1


def test_after_a_replayed_key_new_orders_move_through_the_relay_not_the_sweeper(
    stack: LocalStack, state: dict[str, Any]
) -> None:
    """The seed's fault: a replayed key cancelled a transaction, the emulator published an event
    for an order never stored, and the relay read nothing more; the sweeper moved every order."""
    tag = f"replay-{time.time_ns()}"
    body = {**order(), "customer": {**order()["customer"], "id": tag}}
    keyed = [post(stack, body, {"Idempotency-Key": tag})[2]["order_id"] for _ in range(2)]
    assert keyed[0] == keyed[1]
    fresh = [post(stack, order())[2]["order_id"] for _ in range(5)]
    for order_id in [keyed[0], *fresh]:
        assert wait_for_terminal(stack.api_url, order_id, DEADLINE)["status"] == "SHIPPED"
    dynamodb = aws_client(state, "dynamodb")
    orders = {r["order_id"]["S"] for r in dynamodb.scan(TableName=state["tables"]["orders"])["Items"]}
    invoices = dynamodb.scan(TableName=state["tables"]["invoices"])["Items"]
    invoiced = {i["order_id"]["S"] for i in invoices if "order_id" in i}
    assert invoiced <= orders, "an invoice for an order never stored"
    stored = {keyed[0], *fresh}
    assert stored <= invoiced
    assert stored.isdisjoint(stack.watch.sweeps.nudged)  # each moved well inside the deadline
    assert stack.watch.relay.stalls == 0


def test_fifty_concurrent_orders_all_finish_once_with_the_money_right(
    stack: LocalStack, state: dict[str, Any]
) -> None:
    endings = [("tok_visa", "GB")] * 40 + [("tok_chargeDeclined", "GB")] * 5 + [("tok_visa", "NZ")] * 5
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(lambda e: post(stack, order(*e)), endings))
    assert [c[0] for c in created] == [201] * 50
    ids = [c[2]["order_id"] for c in created]
    assert len(set(ids)) == 50
    with ThreadPoolExecutor(8) as pool:
        finals = list(pool.map(lambda i: wait_for_terminal(stack.api_url, i, 120), ids))
    print(f"\n50 orders to complete in {time.monotonic() - started:.1f}s")
    assert all(f["complete"] for f in finals)
    statuses = [f["status"] for f in finals]
    assert statuses.count("SHIPPED") == 40
    assert statuses.count("PAYMENT_FAILED") == 5
    assert statuses.count("SHIPMENT_ERROR") == 5
    for final in finals:
        timeline = [t["status"] for t in final["timeline"]]
        assert len(timeline) == len(set(timeline))  # no step happened twice
        captured = final["payment"]["captured_amount"]
        assert captured == (final["total"] if final["status"] == "SHIPPED" else 0)
    invoices = aws_client(state, "dynamodb").scan(TableName=state["tables"]["invoices"])["Items"]
    invoiced = [i["order_id"]["S"] for i in invoices if "order_id" in i]
    assert sorted(o for o in invoiced if o in set(ids)) == sorted(ids)


def test_unknown_route_and_bad_json_over_http(stack: LocalStack) -> None:
    status, _, body = request("GET", f"{stack.api_url}/nowhere")
    assert status == 404
    assert "POST /orders" in body["message"]
    assert request("GET", f"{stack.api_url}/orders/ord_nope")[0] == 404
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        f"{stack.api_url}/orders",
        data=b"{oops",
        method="POST",
        headers={"Content-Type": "application/json", "x-api-key": stack.options.api_key},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["message"]


def test_smoke_script_passes_against_the_stack(stack: LocalStack) -> None:
    """The script CI runs after every apply, here against the local stack."""
    from deploy import smoke

    assert smoke.main(["--api-url", stack.api_url, "--deadline", str(DEADLINE)]) == 0


def test_a_recipient_ses_refuses_still_ships_and_shows_in_orders_metrics(
    stack: LocalStack, state: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from services.local.settings import REJECTED_RECIPIENT_DOMAIN

    body = order()
    body["customer"]["email"] = f"grace@{REJECTED_RECIPIENT_DOMAIN}"
    _, _, created = post(stack, body)
    final = wait_for_terminal(stack.api_url, created["order_id"], DEADLINE)
    assert (final["status"], final["complete"]) == ("SHIPPED", True)

    def rejected() -> list[dict[str, Any]]:
        table = aws_client(state, "dynamodb")
        items = table.scan(TableName=state["tables"]["notifications"])["Items"]
        return [
            i for i in items if i["id"]["S"].startswith(created["order_id"]) and i["state"]["S"] == "rejected"
        ]

    # Every customer-facing status's email was refused, recorded, and never retried into the DLQ.
    eventually(lambda: len(rejected()) == 4)
    assert emails_for(stack, created["order_id"]) == []
    assert "MessageRejected: Email address is not verified" in rejected()[0]["reason"]["S"]
    capsys.readouterr()
    assert cli.main(["dlq", "email"]) == 0
    assert "email: 0 message(s)" in capsys.readouterr().out

    assert cli.main(["metrics"]) == 0
    summary = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert int(summary["EmailsRejected"]) >= 4
    assert int(summary["OrdersPlaced"]) >= 1
    assert int(summary["Shipments"]) >= 1
    assert int(summary["PaymentsCaptured"]) >= 1
    assert summary["OrderToShippedSeconds"] == "p50"
