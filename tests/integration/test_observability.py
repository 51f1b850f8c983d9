"""Business metrics as the functions write them (CloudWatch embedded metric format on stdout),
and SES's permanent and transient refusals, under moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.local.emulator.mailbox import reject_unverified_recipients
from services.local.settings import REJECTED_RECIPIENT_DOMAIN
from services.shared import observability
from services.shared.observability import EMAIL_OUTCOMES, ORDER_TO_SHIPPED, ORDERS_PLACED
from services.shared.topology import load_topology
from tests.integration.conftest import _forget_wiring
from tests.integration.helpers import VALID, call, deliver, event, failures, sent_emails
from tests.support import emitted

STATUS_METRICS = load_topology().status_metrics


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    observability.reset()
    yield
    observability.reset()


@pytest.mark.parametrize("status", sorted(STATUS_METRICS))
def test_the_projector_counts_each_status_once_per_order(
    status: str,
    order_id: str,
    function_env: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    at = datetime.now(UTC) + timedelta(minutes=5)
    body = event(f"sqs_{status.lower()}.json", order_id=order_id, occurred_at=at.isoformat())
    assert failures(deliver("order-status", body)) == 0
    metrics = emitted(capsys)
    assert metrics.pop(STATUS_METRICS[status]) == [1]
    if status == "SHIPPED":
        (waited,) = metrics.pop(ORDER_TO_SHIPPED)
        assert 295 <= waited <= 305  # placed just now, shipped five minutes later
    assert metrics == {}
    assert failures(deliver("order-status", body, republished=True)) == 0  # a redelivery
    assert emitted(capsys) == {}


def test_an_order_is_counted_once_however_often_its_key_is_retried(
    function_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    function_env("order-api")
    capsys.readouterr()
    for _ in range(2):
        status, _, _ = call("POST", "/orders", VALID, {"Idempotency-Key": "counted-once"})
        assert status == 201
    call("POST", "/orders", {**VALID, "items": []})  # refused: not placed
    assert emitted(capsys) == {ORDERS_PLACED: [1]}


@pytest.fixture
def email_fn(function_env: Any) -> None:
    function_env("email")


@pytest.fixture
def sandbox() -> Iterator[None]:
    undo = reject_unverified_recipients()
    yield
    undo()


def notification(aws: Any, key: str) -> dict[str, Any] | None:
    table = aws["stack"].tables["notifications"]
    return aws["dynamodb"].get_item(TableName=table, Key={"id": {"S": key}}).get("Item")


def test_a_recipient_ses_refuses_is_recorded_counted_and_not_retried(
    email_fn: None, sandbox: None, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    before = len(sent_emails())
    shipped = event("sqs_shipped.json", data__customer__email=f"grace@{REJECTED_RECIPIENT_DOMAIN}")
    assert failures(deliver("email", shipped)) == 0  # not retried, so never in the DLQ
    item = notification(aws, f"{shipped['order_id']}#SHIPPED")
    assert item is not None
    assert item["state"] == {"S": "rejected"}
    assert item["reason"]["S"].startswith("MessageRejected: Email address is not verified")
    assert emitted(capsys) == {EMAIL_OUTCOMES["rejected"]: [1]}
    assert len(sent_emails()) == before
    assert failures(deliver("email", shipped)) == 0  # a redelivery: settled, not sent, not counted
    assert emitted(capsys) == {}
    ok = event("sqs_shipped.json", order_id="ord_" + "1" * 32)  # any other address is sent
    assert failures(deliver("email", ok)) == 0
    assert emitted(capsys) == {EMAIL_OUTCOMES["sent"]: [1]}
    assert len(sent_emails()) == before + 1


def test_a_transient_ses_error_is_retried_and_counts_nothing(
    email_fn: None, aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.email import adapters

    def throttled(self: Any, **_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"
        )

    shipped = event("sqs_shipped.json")
    key = f"{shipped['order_id']}#SHIPPED"
    init = adapters.SesSender.__init__
    with monkeypatch.context() as patched:
        patched.setattr(
            adapters.SesSender,
            "__init__",
            lambda self, client, *a, **k: init(self, type("Ses", (), {"send_email": throttled})(), *a, **k),
        )
        capsys.readouterr()
        assert failures(deliver("email", shipped)) == 1  # SQS delivers it again
        assert notification(aws, key) is None  # the claim was given back
        assert emitted(capsys) == {}
    _forget_wiring()
    before = len(sent_emails())
    assert failures(deliver("email", shipped)) == 0  # SES recovered: the retry sends it
    assert len(sent_emails()) == before + 1
    assert notification(aws, key)["state"] == {"S": "sent"}  # type: ignore[index]
    assert emitted(capsys) == {EMAIL_OUTCOMES["sent"]: [1]}


class Segments:
    """An X-Ray emitter that keeps what it is given instead of sending it to a daemon."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str | None) -> None:
        pass

    @property
    def ip(self) -> str:
        return "127.0.0.1"


@pytest.fixture
def xray(monkeypatch: pytest.MonkeyPatch) -> Iterator[Segments]:
    """As in Lambda: a task root and a sampled trace header, segments to a fake emitter."""
    import aws_xray_sdk

    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv(
        "_X_AMZN_TRACE_ID", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    observability.reset()
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.lambda_launcher import LambdaContext as XrayLambdaContext

    segments = Segments()
    context = xray_recorder.context
    xray_recorder.configure(emitter=segments, context=XrayLambdaContext())
    yield segments
    xray_recorder.configure(context=context)
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(False)  # botocore stays patched: make it inert


def test_each_record_is_traced_with_its_correlation_id(
    order_id: str,
    function_env: Any,
    xray: Segments,
) -> None:
    body = event("sqs_invoice_created.json", order_id=order_id, correlation_id="corr-trace-me")
    assert failures(deliver("order-status", body)) == 0
    names = [s["name"] for s in xray.sent]
    assert "## lambda_handler" in names
    (record,) = [s for s in xray.sent if s["name"] == "## record"]
    assert record["annotations"]["correlation_id"] == "corr-trace-me"
    assert record["annotations"]["order_id"] == order_id
    assert record["annotations"]["status"] == "INVOICE_CREATED"
    assert record["trace_id"] == "1-67891233-abcdef012345678912345678"
    assert {s["name"] for s in xray.sent} >= {"dynamodb"}  # every AWS call is a subsegment
