"""Contracts: topology invariants, schema drift, envelope parsing."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from services.shared import schemas
from services.shared.events import EVENT_TYPES, Status, parse_event
from services.shared.topology import load_topology
from tests.support import body_of

TOPOLOGY = load_topology()


def test_statuses_are_exactly_the_contract() -> None:
    assert set(TOPOLOGY.statuses) == {s.value for s in Status} == {s.value for s in EVENT_TYPES}


@pytest.mark.parametrize("function", TOPOLOGY.consumers, ids=lambda f: f.name)
def test_queue_settings_hold_their_invariants(function) -> None:  # type: ignore[no-untyped-def]
    assert function.consumes.max_receive_count >= 5
    assert function.visibility_timeout_seconds >= 6 * function.timeout_seconds
    assert 1 <= function.consumes.batch_size <= 10
    assert set(function.consumes.statuses) <= set(TOPOLOGY.statuses)
    for spec in function.tables:
        assert spec.table in {t.name for t in TOPOLOGY.tables}


def test_routing_matches_the_saga() -> None:
    assert TOPOLOGY.consumers_of("ORDER_CREATED") == {"invoice", "email"}
    assert TOPOLOGY.consumers_of("INVOICE_CREATED") == {"billing", "email", "order-status"}
    assert TOPOLOGY.consumers_of("PAYMENT_CONFIRMED") == {"shipment", "email", "order-status"}
    for status in ("PAYMENT_FAILED", "SHIPPED", "SHIPMENT_ERROR"):
        assert TOPOLOGY.consumers_of(status) == {"email", "order-status"}


def test_committed_schemas_match_the_models() -> None:
    assert schemas.drifted() == [], "run `make schemas` and commit the result"


@pytest.mark.parametrize("status", list(Status))
def test_sample_events_parse_to_their_type(status: Status) -> None:
    event = parse_event(json.dumps(body_of(f"sqs_{status.value.lower()}.json")))
    assert type(event) is EVENT_TYPES[status]


def test_envelope_rejects_a_payload_of_another_status() -> None:
    body = body_of("sqs_shipped.json")
    body["status"] = "PAYMENT_FAILED"
    with pytest.raises(ValidationError):
        parse_event(json.dumps(body))


def test_events_are_frozen() -> None:
    event = parse_event(json.dumps(body_of("sqs_shipped.json")))
    with pytest.raises(ValidationError):
        event.order_id = "other"  # type: ignore[misc]
