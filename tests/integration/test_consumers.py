"""Every SQS consumer under moto, driven by AWS-shaped SQS events from tests/events."""

from __future__ import annotations

import io
import json
import threading
import uuid
from typing import Any

import pytest

from services.email import bootstrap as email_bootstrap
from services.shared.events import event_id_for
from tests.integration.conftest import CONSUMERS
from tests.integration.helpers import (
    call,
    deliver,
    event,
    failures,
    items,
    ledger,
    sent_emails,
)
from tests.support import LambdaContext, sqs_event

# ---------------------------------------------------------------- invoice


@pytest.fixture
def invoice_fn(function_env: Any) -> None:
    function_env("invoice")


def test_invoice_issues_a_numbered_invoice_and_publishes(invoice_fn: None, published: Any) -> None:
    order = event("sqs_order_created.json")
    assert failures(deliver("invoice", order)) == 0

    (announced,) = published("billing")
    assert announced["status"] == "INVOICE_CREATED"
    assert announced["data"]["invoice_number"] == "INV-2026-A-000001"
    assert announced["event_id"] == event_id_for(order["order_id"], "INVOICE_CREATED")
    assert announced["correlation_id"] == order["correlation_id"]
    assert announced["data"]["amounts"] == order["data"]["amounts"]
    assert "payment_token" not in json.dumps(announced)


def test_invoice_numbers_are_sequential(invoice_fn: None, published: Any) -> None:
    for n in range(3):
        deliver("invoice", event("sqs_order_created.json", event_id=f"e-{n}", order_id=f"ord_{n}"))
    numbers = [e["data"]["invoice_number"] for e in published("billing")]
    assert sorted(numbers) == ["INV-2026-A-000001", "INV-2026-A-000002", "INV-2026-A-000003"]


def test_invoice_duplicates_with_any_event_id_have_no_second_effect(
    invoice_fn: None, aws: Any, published: Any
) -> None:
    order = event("sqs_order_created.json")
    deliver("invoice", order)
    deliver("invoice", order)
    deliver("invoice", {**order, "event_id": "forged-copy"})
    assert len(published("billing")) == 1
    assert len(items(aws, "invoices")) == 2  # the counter and one invoice


def test_invoice_retry_after_failed_publish_spends_no_number(
    invoice_fn: None, published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.shared import publishing

    real = publishing.SnsPublisher.publish
    calls = {"n": 0}

    def flaky(self: Any, announced: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SNS unreachable")
        real(self, announced, **kwargs)

    monkeypatch.setattr(publishing.SnsPublisher, "publish", flaky)
    order = event("sqs_order_created.json")
    assert failures(deliver("invoice", order)) == 1  # left for SQS to retry
    assert failures(deliver("invoice", order)) == 0
    deliver("invoice", event("sqs_order_created.json", event_id="other", order_id="ord_other"))
    numbers = sorted(e["data"]["invoice_number"] for e in published("billing"))
    assert numbers == ["INV-2026-A-000001", "INV-2026-A-000002"]


def test_invoice_concurrent_duplicates_issue_one_invoice(invoice_fn: None, aws: Any, published: Any) -> None:
    order = event("sqs_order_created.json")
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: results.append(deliver("invoice", order))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(sum(failures(r) for r in results)):
        deliver("invoice", order)  # what SQS would retry
    announced = published("billing")
    assert {e["data"]["invoice_number"] for e in announced} == {"INV-2026-A-000001"}
    assert {e["event_id"] for e in announced} == {event_id_for(order["order_id"], "INVOICE_CREATED")}
    assert len(items(aws, "invoices")) == 2


def test_a_republished_order_created_announces_the_invoice_again(invoice_fn: None, published: Any) -> None:
    order = event("sqs_order_created.json")
    deliver("invoice", order)
    deliver("invoice", order, republished=True)
    announced = published("billing")
    assert [e["data"]["invoice_number"] for e in announced] == ["INV-2026-A-000001", "INV-2026-A-000001"]


# ---------------------------------------------------------------- billing


@pytest.fixture
def billing_fn(function_env: Any, sample_order: Any) -> Any:
    function_env("billing")
    return sample_order


def test_billing_authorises_and_confirms_reading_the_token_from_the_order(
    billing_fn: Any, aws: Any, published: Any
) -> None:
    billing_fn()
    assert failures(deliver("billing", event("sqs_invoice_created.json"))) == 0
    (confirmed,) = published("shipment")
    assert confirmed["status"] == "PAYMENT_CONFIRMED"
    assert confirmed["data"]["payment_reference"].startswith("auth_")
    assert confirmed["data"]["amount"] == 3617
    (authorization,) = ledger(aws, "payment-provider", "authorization")
    assert authorization["idempotency_key"] == {"S": "authorize-INV-2026-A-000001"}
    assert authorization["state"] == {"S": "open"}  # held, not taken
    assert ledger(aws, "payment-provider", "capture") == []


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_chargeDeclined", "card_declined"), ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds")],
)
def test_billing_decline_becomes_payment_failed(
    billing_fn: Any, published: Any, token: str, reason: str
) -> None:
    billing_fn(payment_token=token)
    assert failures(deliver("billing", event("sqs_invoice_created.json"))) == 0
    assert published("shipment") == []
    failed = [e for e in published("order-status") if e["status"] == "PAYMENT_FAILED"]
    assert [e["data"]["reason"] for e in failed] == [reason]


def test_billing_processing_error_is_retried_and_holds_nothing(
    billing_fn: Any, aws: Any, published: Any
) -> None:
    billing_fn(payment_token="tok_processingError")
    assert failures(deliver("billing", event("sqs_invoice_created.json"))) == 1
    assert items(aws, "payments") == []
    assert ledger(aws, "payment-provider", "authorization") == []
    assert published("order-status") == []


def test_billing_refuses_an_invoice_for_an_order_it_cannot_find(billing_fn: Any, aws: Any) -> None:
    assert failures(deliver("billing", event("sqs_invoice_created.json"))) == 1
    assert ledger(aws, "payment-provider", "authorization") == []


def test_billing_duplicates_authorise_once(billing_fn: Any, aws: Any, published: Any) -> None:
    billing_fn()
    invoice = event("sqs_invoice_created.json")
    deliver("billing", invoice)
    deliver("billing", invoice)
    deliver("billing", {**invoice, "event_id": "forged"})
    assert len(ledger(aws, "payment-provider", "authorization")) == 1
    assert len(published("shipment")) == 1


def test_shipping_captures_and_a_refusal_voids(billing_fn: Any, aws: Any, published: Any) -> None:
    billing_fn()
    deliver("billing", event("sqs_invoice_created.json"))
    assert failures(deliver("billing", event("sqs_shipped.json"))) == 0
    deliver("billing", event("sqs_shipped.json"))  # duplicate
    deliver("billing", event("sqs_shipment_error.json"))  # contradicts the capture: ignored
    captured = [e for e in published("order-status") if e["status"] == "PAYMENT_CAPTURED"]
    assert [e["data"]["amount"] for e in captured] == [3617]
    assert len(ledger(aws, "payment-provider", "capture")) == 1
    assert ledger(aws, "payment-provider", "void") == []


def test_a_refused_shipment_releases_the_hold_and_tells_the_customer(
    billing_fn: Any, aws: Any, published: Any
) -> None:
    billing_fn()
    deliver("billing", event("sqs_invoice_created.json"))
    published("email")
    assert failures(deliver("billing", event("sqs_shipment_error.json"))) == 0
    (voided,) = [e for e in published("email") if e["status"] == "PAYMENT_VOIDED"]
    assert voided["data"]["amount"] == 3617
    assert len(ledger(aws, "payment-provider", "void")) == 1
    assert ledger(aws, "payment-provider", "capture") == []


def test_a_capture_after_the_hold_expired_is_capture_failed(
    billing_fn: Any, aws: Any, published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    billing_fn()
    monkeypatch.setenv("PAYMENT_AUTHORIZATION_TTL_SECONDS", "0")
    CONSUMERS["billing"].consumer.reset()
    deliver("billing", event("sqs_invoice_created.json"))
    assert failures(deliver("billing", event("sqs_shipped.json"))) == 0
    (failed,) = [e for e in published("order-status") if e["status"] == "PAYMENT_CAPTURE_FAILED"]
    assert failed["data"]["reason"] == "authorization_expired"
    assert ledger(aws, "payment-provider", "capture") == []


# ---------------------------------------------------------------- shipment


@pytest.fixture
def shipment_fn(function_env: Any) -> None:
    function_env("shipment")


def test_shipment_books_and_publishes_tracking(shipment_fn: None, aws: Any, published: Any) -> None:
    assert failures(deliver("shipment", event("sqs_payment_confirmed.json"))) == 0
    (shipped,) = [e for e in published("order-status") if e["status"] == "SHIPPED"]
    assert shipped["data"]["tracking_number"].startswith("SP")
    assert shipped["data"]["carrier"] == "SimPost"
    assert len(ledger(aws, "carrier", "booking")) == 1


def test_shipment_refused_destination_becomes_shipment_error(
    shipment_fn: None, aws: Any, published: Any
) -> None:
    paid = event("sqs_payment_confirmed.json", data__shipping_address__country="AU")
    assert failures(deliver("shipment", paid)) == 0
    (error,) = [e for e in published("order-status") if e["status"] == "SHIPMENT_ERROR"]
    assert "AU" in error["data"]["reason"]
    assert ledger(aws, "carrier", "booking") == []


def test_shipment_duplicates_book_once(shipment_fn: None, aws: Any, published: Any) -> None:
    paid = event("sqs_payment_confirmed.json")
    deliver("shipment", paid)
    deliver("shipment", paid)
    deliver("shipment", {**paid, "event_id": "forged"})
    assert len(items(aws, "shipments")) == 1
    assert len(ledger(aws, "carrier", "booking")) == 1
    assert len([e for e in published("order-status") if e["status"] == "SHIPPED"]) == 1


# ---------------------------------------------------------------- email

STATUS_SAMPLES = [
    "sqs_order_created.json",
    "sqs_invoice_created.json",
    "sqs_payment_confirmed.json",
    "sqs_payment_failed.json",
    "sqs_shipped.json",
    "sqs_shipment_error.json",
    "sqs_payment_voided.json",
]


@pytest.fixture
def email_fn(function_env: Any) -> None:
    function_env("email")


@pytest.mark.parametrize("sample", STATUS_SAMPLES)
def test_email_sends_one_message_per_status(
    email_fn: None, sample: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(sent_emails())
    assert failures(deliver("email", event(sample))) == 0
    (message,) = sent_emails()[before:]
    assert message.destinations["ToAddresses"] == ["ada@example.com"]
    assert message.source == "orders@orderflow.example"
    assert "5f0c2a9e" in message.subject
    logs = capsys.readouterr()
    assert "ada@example.com" not in logs.out + logs.err


def test_email_once_per_order_and_status_whatever_the_event_id(email_fn: None) -> None:
    before = len(sent_emails())
    shipped = event("sqs_shipped.json")
    deliver("email", shipped)
    deliver("email", shipped)
    for n in range(5):
        deliver("email", {**shipped, "event_id": f"forged-{n}"})
    deliver("email", shipped, republished=True)
    assert len(sent_emails()) - before == 1


def test_an_email_left_claimed_by_a_dead_attempt_is_not_sent_again(
    email_fn: None, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that died between its claim and its record may or may not have sent: once the
    claim is older than the function's timeout, the email is settled as uncertain, not resent."""
    shipped = event("sqs_shipped.json")
    key = f"{shipped['order_id']}#SHIPPED"
    table = aws["stack"].tables["notifications"]
    claimed = {
        "id": {"S": key},
        "state": {"S": "sending"},
        "attempt": {"S": "dead"},
        "claimed_at": {"N": "1"},
    }
    aws["dynamodb"].put_item(TableName=table, Item=claimed)
    before = len(sent_emails())
    assert failures(deliver("email", shipped)) == 0
    assert len(sent_emails()) == before
    item = aws["dynamodb"].get_item(TableName=table, Key={"id": {"S": key}})["Item"]
    assert item["state"] == {"S": "uncertain"}


def test_a_fresh_claim_of_another_attempt_makes_the_record_retry(email_fn: None, aws: Any) -> None:
    import time

    shipped = event("sqs_shipped.json")
    table = aws["stack"].tables["notifications"]
    claimed = {
        "id": {"S": f"{shipped['order_id']}#SHIPPED"},
        "state": {"S": "sending"},
        "attempt": {"S": "alive"},
        "claimed_at": {"N": str(int(time.time() * 1000))},
    }
    aws["dynamodb"].put_item(TableName=table, Item=claimed)
    assert failures(deliver("email", shipped)) == 1


def test_ses_rejection_is_recorded_and_not_retried(
    email_fn: None, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from services.email import adapters

    def rejected(self: Any, **_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}}, "SendEmail"
        )

    shipped = event("sqs_shipped.json")
    ses = adapters.SesSender.__init__
    monkeypatch.setattr(
        adapters.SesSender,
        "__init__",
        lambda self, client, *a, **k: ses(self, type("Ses", (), {"send_email": rejected})(), *a, **k),
    )
    assert failures(deliver("email", shipped)) == 0
    item = aws["dynamodb"].get_item(
        TableName=aws["stack"].tables["notifications"], Key={"id": {"S": f"{shipped['order_id']}#SHIPPED"}}
    )["Item"]
    assert item["state"] == {"S": "rejected"}
    assert "not verified" in item["reason"]["S"]


def test_email_subjects_say_what_happened(email_fn: None) -> None:
    before = len(sent_emails())
    deliver("email", *(event(s) for s in STATUS_SAMPLES))
    subjects = [m.subject for m in sent_emails()[before:]]
    assert len(subjects) == len(STATUS_SAMPLES)
    assert any("Invoice INV-2026-A-000001" in s for s in subjects)
    assert any("has shipped" in s for s in subjects)
    assert any("Payment failed" in s for s in subjects)
    assert any("Hold released" in s for s in subjects)


# ---------------------------------------------------------------- order status projector


def view(order_id: str, function_env: Any) -> dict[str, Any]:
    function_env("order-api")
    status, body, _ = call("GET", f"/orders/{order_id}")
    assert status == 200
    function_env("order-status")
    return body


SAGA = [
    "sqs_invoice_created.json",
    "sqs_payment_confirmed.json",
    "sqs_shipped.json",
    "sqs_payment_captured.json",
]


def test_projector_follows_the_saga_and_the_money(order_id: str, function_env: Any) -> None:
    for sample in SAGA:
        assert failures(deliver("order-status", event(sample, order_id=order_id))) == 0
    order = view(order_id, function_env)
    assert order["status"] == "SHIPPED"
    assert order["complete"] is True
    assert [t["status"] for t in order["timeline"]] == [
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPPED",
        "PAYMENT_CAPTURED",
    ]
    assert order["invoice_number"] == "INV-2026-A-000001"
    assert order["tracking_number"] == "SP1234567890GB"
    payment = order["payment"]
    assert (payment["state"], payment["amount"], payment["captured_amount"]) == ("captured", 3617, 3617)
    assert payment["authorization_reference"].startswith("auth_")
    assert payment["capture_reference"].startswith("cap_")


def test_projector_reaches_the_same_end_from_any_order_of_events(order_id: str, function_env: Any) -> None:
    deliver("order-status", *(event(s, order_id=order_id) for s in reversed(SAGA)))
    order = view(order_id, function_env)
    assert (order["status"], order["complete"], order["payment"]["state"]) == ("SHIPPED", True, "captured")


def test_projector_never_moves_an_order_backwards(order_id: str, function_env: Any) -> None:
    deliver("order-status", event("sqs_payment_failed.json", order_id=order_id))
    deliver("order-status", event("sqs_invoice_created.json", order_id=order_id))  # late
    deliver("order-status", event("sqs_payment_failed.json", order_id=order_id))  # duplicate
    deliver("order-status", event("sqs_payment_confirmed.json", order_id=order_id))  # contradicts: ignored
    order = view(order_id, function_env)
    assert order["status"] == "PAYMENT_FAILED"
    assert order["complete"] is True
    assert order["failure_reason"] == "card_declined"
    assert [t["status"] for t in order["timeline"]] == ["ORDER_CREATED", "INVOICE_CREATED", "PAYMENT_FAILED"]


def test_a_failed_capture_flags_the_order(order_id: str, function_env: Any) -> None:
    for sample in [*SAGA[:3], "sqs_payment_capture_failed.json"]:
        deliver("order-status", event(sample, order_id=order_id))
    order = view(order_id, function_env)
    assert order["complete"] is False
    assert "authorization_expired" in order["attention"]["reason"]
    assert order["payment"]["captured_amount"] == 0


def test_projector_fails_the_record_for_an_unknown_order(function_env: Any) -> None:
    function_env("order-status")
    assert failures(deliver("order-status", event("sqs_shipped.json", order_id="ord_missing"))) == 1


# ---------------------------------------------------------------- every consumer

SAMPLE_FOR = {
    "invoice": "sqs_order_created.json",
    "billing": "sqs_invoice_created.json",
    "shipment": "sqs_payment_confirmed.json",
    "email": "sqs_shipped.json",
    "order-status": "sqs_invoice_created.json",
}


@pytest.mark.parametrize("function", sorted(SAMPLE_FOR))
def test_poison_message_fails_alone(function: str, function_env: Any, sample_order: Any) -> None:
    sample_order()
    good = event(SAMPLE_FOR[function])
    function_env(function)
    batch = sqs_event("{not json", good, json.dumps({"status": "SHIPPED"}))
    response = CONSUMERS[function].lambda_handler(batch, LambdaContext())
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    ids = [r["messageId"] for r in batch["Records"]]
    assert failed == {ids[0], ids[2]}


@pytest.mark.parametrize("function", ["invoice", "shipment"])
def test_status_the_topology_does_not_route_here_is_refused(function: str, function_env: Any) -> None:
    function_env(function)
    assert failures(deliver(function, event("sqs_payment_captured.json"))) == 1


@pytest.mark.parametrize("function", sorted(SAMPLE_FOR))
def test_missing_setting_is_named(function: str, function_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import ConfigurationError
    from services.shared.topology import load_topology

    function_env(function)
    missing = load_topology().function(function).tables[0].env_var
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=f"missing environment variable {missing}"):
        deliver(function, event(SAMPLE_FOR[function]))


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_log_lines_are_lean_and_each_names_its_order(email_fn: None, level: str) -> None:
    """Logs are billed per GB ingested: at INFO an email sent logs nothing (its record and the
    EmailsSent metric say it; a refusal is a WARNING), and no line carries the keys the log group
    already states; DEBUG adds the per-record and the "Email sent" lines. Every line still
    carries the order and the correlation id."""
    log, child = CONSUMERS["email"].consumer.logger, email_bootstrap.log
    previous, output = log.log_level, io.StringIO()
    stream = log.registered_handler.setStream(output)  # type: ignore[attr-defined]
    log.setLevel(level)
    child.setLevel(level)
    order_id = f"ord_{uuid.uuid4().hex}"
    try:
        assert failures(deliver("email", event("sqs_shipped.json", order_id=order_id))) == 0
    finally:
        log.setLevel(previous)
        child.setLevel(previous)
        log.registered_handler.setStream(stream)  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    messages = [line["message"] for line in lines]
    assert ("Record processed" in messages) is (level == "DEBUG")
    assert ("Email sent" in messages) is (level == "DEBUG")
    for line in lines:
        assert line["order_id"] == order_id
        assert line["correlation_id"] == event("sqs_shipped.json")["correlation_id"]
        assert not {"function_arn", "function_name", "function_memory_size"} & set(line)
