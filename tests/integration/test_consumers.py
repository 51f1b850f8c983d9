"""Every consumer under moto, driven by AWS-shaped SQS events from tests/events."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from moto.backends import get_backend

from services.billing import bootstrap as billing_bootstrap
from services.billing.provider import SimulatedPaymentProvider
from services.shared.events import derived_event_id
from tests.integration.conftest import CONSUMERS
from tests.support import LambdaContext, body_of, sqs_event

ACCOUNT, REGION = "123456789012", "us-east-1"


def deliver(function: str, *bodies: str | dict[str, Any]) -> dict[str, Any]:
    return CONSUMERS[function].lambda_handler(sqs_event(*bodies), LambdaContext())


def failures(response: dict[str, Any]) -> int:
    return len(response["batchItemFailures"])


def event(sample: str, **changes: Any) -> dict[str, Any]:
    body = body_of(sample)
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[part]
        target[leaf] = value
    return body


def items(aws: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return aws["dynamodb"].scan(TableName=aws["stack"].tables[table])["Items"]


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


# ---------------------------------------------------------------- invoice


@pytest.fixture
def invoice_fn(function_env: Any) -> None:
    function_env("invoice")


def test_invoice_issues_a_numbered_invoice_and_publishes(invoice_fn: None, aws: Any, published: Any) -> None:
    order = event("sqs_order_created.json")
    assert failures(deliver("invoice", order)) == 0

    (announced,) = published("billing")
    assert announced["status"] == "INVOICE_CREATED"
    assert announced["data"]["invoice_number"] == "INV-000001"
    assert announced["event_id"] == derived_event_id(order["event_id"], "INVOICE_CREATED")
    assert announced["correlation_id"] == order["correlation_id"]
    assert announced["data"]["amounts"] == order["data"]["amounts"]


def test_invoice_numbers_are_sequential(invoice_fn: None, published: Any) -> None:
    for n in range(3):
        deliver("invoice", event("sqs_order_created.json", event_id=f"e-{n}", order_id=f"ord_{n}"))
    numbers = [e["data"]["invoice_number"] for e in published("billing")]
    assert sorted(numbers) == ["INV-000001", "INV-000002", "INV-000003"]


def test_invoice_duplicate_delivery_has_no_second_effect(invoice_fn: None, aws: Any, published: Any) -> None:
    order = event("sqs_order_created.json")
    deliver("invoice", order)
    deliver("invoice", order)
    assert len(published("billing")) == 1
    assert len(items(aws, "invoices")) == 2  # the counter and one invoice


def test_invoice_retry_after_failed_publish_spends_no_number(
    invoice_fn: None, aws: Any, published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.shared import publishing

    real = publishing.SnsPublisher.publish
    calls = {"n": 0}

    def flaky(self: Any, announced: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SNS unreachable")
        real(self, announced)

    monkeypatch.setattr(publishing.SnsPublisher, "publish", flaky)
    order = event("sqs_order_created.json")
    assert failures(deliver("invoice", order)) == 1  # left for SQS to retry
    assert failures(deliver("invoice", order)) == 0
    deliver("invoice", event("sqs_order_created.json", event_id="other", order_id="ord_other"))
    numbers = sorted(e["data"]["invoice_number"] for e in published("billing"))
    assert numbers == ["INV-000001", "INV-000002"]


def test_invoice_concurrent_duplicates_issue_one_invoice(invoice_fn: None, aws: Any, published: Any) -> None:
    order = event("sqs_order_created.json")
    results: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: results.append(deliver("invoice", order))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whatever failed as "in progress" is retried by SQS later, and then is a no-op.
    for _ in range(sum(failures(r) for r in results)):
        deliver("invoice", order)
    assert len(published("billing")) == 1
    assert len(items(aws, "invoices")) == 2


# ---------------------------------------------------------------- billing


@pytest.fixture
def provider(function_env: Any, monkeypatch: pytest.MonkeyPatch) -> SimulatedPaymentProvider:
    function_env("billing")
    shared = SimulatedPaymentProvider()
    monkeypatch.setattr(billing_bootstrap, "SimulatedPaymentProvider", lambda: shared)
    return shared


def test_billing_approved_charge_confirms_payment(
    provider: SimulatedPaymentProvider, aws: Any, published: Any
) -> None:
    assert failures(deliver("billing", event("sqs_invoice_created.json"))) == 0
    (confirmed,) = published("shipment")
    assert confirmed["status"] == "PAYMENT_CONFIRMED"
    assert confirmed["data"]["payment_reference"].startswith("ch_")
    assert confirmed["data"]["amount"] == 3617
    assert [c.idempotency_key for c in provider.charges] == ["charge-INV-000001"]
    assert len(items(aws, "payments")) == 1


@pytest.mark.parametrize(
    ("token", "reason"),
    [("tok_chargeDeclined", "card_declined"), ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds")],
)
def test_billing_decline_becomes_payment_failed(
    provider: Any, published: Any, token: str, reason: str
) -> None:
    assert failures(deliver("billing", event("sqs_invoice_created.json", data__payment_token=token))) == 0
    assert published("shipment") == []
    failed = [e for e in published("order-status") if e["status"] == "PAYMENT_FAILED"]
    assert [e["data"]["reason"] for e in failed] == [reason]
    assert provider.charges == []


def test_billing_processing_error_is_retried_and_charges_nothing(
    provider: Any, aws: Any, published: Any
) -> None:
    response = deliver(
        "billing", event("sqs_invoice_created.json", data__payment_token="tok_processingError")
    )
    assert failures(response) == 1
    assert items(aws, "payments") == []
    assert published("order-status") == []
    assert published("shipment") == []
    assert provider.charges == []


def test_billing_duplicate_delivery_charges_once(provider: Any, published: Any) -> None:
    invoice = event("sqs_invoice_created.json")
    deliver("billing", invoice)
    deliver("billing", invoice)
    assert len(provider.charges) == 1
    assert len(published("shipment")) == 1


def test_billing_retry_after_lost_idempotency_record_charges_once(
    provider: Any, aws: Any, published: Any
) -> None:
    """Even if the idempotency record were gone, the stored payment stops a second charge."""
    invoice = event("sqs_invoice_created.json")
    deliver("billing", invoice)
    table = aws["stack"].tables["billing-idempotency"]
    for item in items(aws, "billing-idempotency"):
        aws["dynamodb"].delete_item(TableName=table, Key={"id": item["id"]})
    deliver("billing", invoice)
    assert len(provider.charges) == 1
    events = published("shipment")
    assert len(events) == 2
    assert events[0]["event_id"] == events[1]["event_id"]


# ---------------------------------------------------------------- shipment


@pytest.fixture
def shipment_fn(function_env: Any) -> None:
    function_env("shipment")


def test_shipment_books_and_publishes_tracking(shipment_fn: None, aws: Any, published: Any) -> None:
    assert failures(deliver("shipment", event("sqs_payment_confirmed.json"))) == 0
    shipped = [e for e in published("order-status") if e["status"] == "SHIPPED"]
    assert len(shipped) == 1
    assert shipped[0]["data"]["tracking_number"].startswith("SP")
    assert shipped[0]["data"]["carrier"] == "SimPost"


def test_shipment_refused_destination_becomes_shipment_error(
    shipment_fn: None, aws: Any, published: Any
) -> None:
    paid = event("sqs_payment_confirmed.json", data__shipping_address__country="AU")
    assert failures(deliver("shipment", paid)) == 0
    (error,) = [e for e in published("order-status") if e["status"] == "SHIPMENT_ERROR"]
    assert "AU" in error["data"]["reason"]


def test_shipment_duplicate_delivery_books_once(shipment_fn: None, aws: Any, published: Any) -> None:
    paid = event("sqs_payment_confirmed.json")
    deliver("shipment", paid)
    deliver("shipment", paid)
    assert len(items(aws, "shipments")) == 1
    assert len([e for e in published("order-status") if e["status"] == "SHIPPED"]) == 1


# ---------------------------------------------------------------- email

STATUS_SAMPLES = [
    "sqs_order_created.json",
    "sqs_invoice_created.json",
    "sqs_payment_confirmed.json",
    "sqs_payment_failed.json",
    "sqs_shipped.json",
    "sqs_shipment_error.json",
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


def test_email_duplicate_delivery_sends_once(email_fn: None) -> None:
    before = len(sent_emails())
    shipped = event("sqs_shipped.json")
    deliver("email", shipped)
    deliver("email", shipped)
    assert len(sent_emails()) - before == 1


def test_email_subjects_say_what_happened(email_fn: None) -> None:
    before = len(sent_emails())
    deliver("email", *(event(s) for s in STATUS_SAMPLES))
    subjects = [m.subject for m in sent_emails()[before:]]
    assert len(subjects) == 6
    assert any("Invoice INV-000001" in s for s in subjects)
    assert any("has shipped" in s for s in subjects)
    assert any("Payment failed" in s for s in subjects)


# ---------------------------------------------------------------- order status projector


@pytest.fixture
def order_id(function_env: Any) -> str:
    """An order placed through the API, then the projector's environment."""
    from tests.integration.test_order_api import VALID, call

    function_env("order-api")
    created = call("POST", "/orders", VALID)[1]
    function_env("order-status")
    return str(created["order_id"])


def view(order_id: str, function_env: Any) -> dict[str, Any]:
    from tests.integration.test_order_api import call

    function_env("order-api")
    status, body, _ = call("GET", f"/orders/{order_id}")
    assert status == 200
    function_env("order-status")
    return body


def test_projector_follows_the_saga(order_id: str, function_env: Any) -> None:
    for sample in ["sqs_invoice_created.json", "sqs_payment_confirmed.json", "sqs_shipped.json"]:
        assert failures(deliver("order-status", event(sample, order_id=order_id))) == 0
    order = view(order_id, function_env)
    assert order["status"] == "SHIPPED"
    assert [t["status"] for t in order["timeline"]] == [
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPPED",
    ]
    assert order["invoice_number"] == "INV-000001"
    assert order["tracking_number"] == "SP1234567890GB"
    assert order["payment_reference"].startswith("ch_")


def test_projector_never_moves_an_order_backwards(order_id: str, function_env: Any) -> None:
    deliver("order-status", event("sqs_payment_failed.json", order_id=order_id))
    deliver("order-status", event("sqs_invoice_created.json", order_id=order_id))  # late
    deliver("order-status", event("sqs_payment_failed.json", order_id=order_id))  # duplicate
    order = view(order_id, function_env)
    assert order["status"] == "PAYMENT_FAILED"
    assert order["failure_reason"] == "card_declined"
    assert order["invoice_number"] == "INV-000001"
    assert [t["status"] for t in order["timeline"]] == ["ORDER_CREATED", "INVOICE_CREATED", "PAYMENT_FAILED"]


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
def test_poison_message_fails_alone(function: str, function_env: Any, aws: Any) -> None:
    if function == "order-status":
        from tests.integration.test_order_api import VALID, call

        function_env("order-api")
        good = event(SAMPLE_FOR[function], order_id=call("POST", "/orders", VALID)[1]["order_id"])
    else:
        good = event(SAMPLE_FOR[function])
    function_env(function)
    batch = sqs_event("{not json", good, json.dumps({"status": "SHIPPED"}))
    response = CONSUMERS[function].lambda_handler(batch, LambdaContext())
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    ids = [r["messageId"] for r in batch["Records"]]
    assert failed == {ids[0], ids[2]}


@pytest.mark.parametrize("function", ["invoice", "billing", "shipment"])
def test_status_the_topology_does_not_route_here_is_refused(function: str, function_env: Any) -> None:
    function_env(function)
    wrong = event("sqs_shipped.json")
    assert failures(deliver(function, wrong)) == 1


@pytest.mark.parametrize("function", sorted(SAMPLE_FOR))
def test_missing_setting_is_named(function: str, function_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import ConfigurationError
    from services.shared.topology import load_topology

    function_env(function)
    missing = load_topology().function(function).tables[0].env_var
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=f"missing environment variable {missing}"):
        deliver(function, event(SAMPLE_FOR[function]))
