"""Contracts: topology invariants, schema drift, envelope parsing, what each event may carry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.order.adapters.items import order_from_item
from services.order.domain.order import Deadlines
from services.order.entrypoints.http import openapi
from services.order.usecases.announcements import announcement
from services.order.usecases.saga import progress_of
from services.shared import schemas
from services.shared.events import EVENT_TYPES, Status, event_id_for, parse_event
from services.shared.topology import load_topology
from tests.support import body_of, load_event

ROOT = Path(__file__).resolve().parents[2]

TOPOLOGY = load_topology()


def test_statuses_are_exactly_the_contract() -> None:
    assert set(TOPOLOGY.statuses) == {s.value for s in Status} == {s.value for s in EVENT_TYPES}


@pytest.mark.parametrize("function", TOPOLOGY.consumers, ids=lambda f: f.name)
def test_queue_settings_hold_their_invariants(function: Any) -> None:
    assert function.consumes.max_receive_count >= 5
    assert function.visibility_timeout_seconds >= 6 * function.timeout_seconds
    assert 1 <= function.consumes.batch_size <= 10
    assert set(function.consumes.statuses) <= set(TOPOLOGY.statuses)
    for spec in function.tables:
        assert spec.table in {t.name for t in TOPOLOGY.tables}


def test_routing_matches_the_saga() -> None:
    consumers = TOPOLOGY.consumers_of
    assert consumers("ORDER_CREATED") == {"invoice", "email"}
    assert consumers("INVOICE_CREATED") == {"billing", "email", "order-status"}
    assert consumers("PAYMENT_CONFIRMED") == {"shipment", "email", "order-status"}
    assert consumers("PAYMENT_FAILED") == {"email", "order-status"}
    # the money moves when the goods do: billing settles on the shipment's outcome
    assert consumers("SHIPPED") == consumers("SHIPMENT_ERROR") == {"billing", "email", "order-status"}
    assert consumers("PAYMENT_VOIDED") == {"email", "order-status"}  # the customer hears of a release
    assert consumers("PAYMENT_CAPTURED") == consumers("PAYMENT_CAPTURE_FAILED") == {"order-status"}
    assert set(TOPOLOGY.routed_statuses) == set(TOPOLOGY.statuses)


def test_the_relay_and_the_sweeper_are_declared() -> None:
    relay, sweeper = TOPOLOGY.function("relay"), TOPOLOGY.function("sweeper")
    assert relay.stream is not None
    assert relay.stream.table == "orders"
    assert relay.stream.bisect_batch_on_function_error
    assert 0 < relay.stream.maximum_retry_attempts <= 20
    assert TOPOLOGY.table("orders").stream == "NEW_IMAGE"
    assert sweeper.schedule is not None
    assert [i.name for i in TOPOLOGY.table("orders").indexes] == ["due"]
    assert set(TOPOLOGY.deadlines_seconds) >= {
        "ORDER_CREATED",
        "INVOICE_CREATED",
        "PAYMENT_CONFIRMED",
        "SHIPPED",
    }


def test_only_billing_reads_the_payment_token_and_only_that() -> None:
    readers = {
        f.name: spec.attributes for f in TOPOLOGY.functions for spec in f.tables if spec.table == "orders"
    }
    assert readers["billing"] == ("order_id", "payment_token")
    for name in readers:
        if name != "billing":
            assert TOPOLOGY.function(name).image == "order", f"{name} reads the orders table"


@pytest.mark.parametrize("status", list(Status))
def test_no_event_carries_a_payment_token(status: Status) -> None:
    schema = json.dumps(EVENT_TYPES[status].model_json_schema())
    assert "token" not in schema


def test_committed_schemas_match_the_models() -> None:
    assert schemas.drifted() == [], "run `make schemas` and commit the result"
    assert schemas.drifted(openapi.documents()) == [], "run `make schemas` and commit the result"


@pytest.mark.parametrize("status", list(Status))
def test_sample_events_parse_to_their_type(status: Status) -> None:
    event = parse_event(json.dumps(body_of(f"sqs_{status.value.lower()}.json")))
    assert type(event) is EVENT_TYPES[status]
    assert event.event_id == event_id_for(event.order_id, status)


@pytest.mark.parametrize("status", [None, "NO_SUCH_STATUS", 7])
def test_a_body_without_a_known_status_is_refused_by_its_discriminator(status: Any) -> None:
    body = body_of("sqs_shipped.json")
    body["status"] = status
    with pytest.raises(ValidationError) as refused:
        parse_event(json.dumps(body))
    assert refused.value.errors()[0]["type"] in ("union_tag_invalid", "union_tag_not_found")


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"'])
def test_a_body_that_is_no_object_is_a_validation_error(body: str) -> None:
    with pytest.raises(ValidationError):
        parse_event(body)


def test_a_consumer_builds_only_the_event_types_it_meets() -> None:
    """Models build on first use (defer_build): parsing a SHIPPED event leaves the others unbuilt."""
    probe = (
        "import json, sys; from pydantic._internal._mock_val_ser import MockValSer\n"
        "from services.shared import events\n"
        f"events.parse_event(json.dumps({body_of('sqs_shipped.json')!r}))\n"
        "print(json.dumps(sorted(s.value for s, m in events.EVENT_TYPES.items()"
        " if not isinstance(m.__pydantic_validator__, MockValSer))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(done.stdout) == ["SHIPPED"]


def test_envelope_rejects_a_payload_of_another_status() -> None:
    body = body_of("sqs_shipped.json")
    body["status"] = "PAYMENT_FAILED"
    with pytest.raises(ValidationError):
        parse_event(json.dumps(body))


def test_events_are_frozen() -> None:
    event = parse_event(json.dumps(body_of("sqs_shipped.json")))
    with pytest.raises(ValidationError):
        event.order_id = "other"


PATHS = {
    "ships": ["INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURED"],
    "declined": ["INVOICE_CREATED", "PAYMENT_FAILED"],
    "refused": ["INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPMENT_ERROR", "PAYMENT_VOIDED"],
    "hold expired": ["INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURE_FAILED"],
}


@pytest.mark.parametrize("path", list(PATHS))
def test_an_order_announces_each_status_exactly_as_it_was_published(path: str) -> None:
    """The relay and the sweeper publish an order's events from the stored order: each must be the
    event the service published (same id, time and payload)."""
    from services.shared import dynamo

    image = load_event("dynamodb_stream_order_placed.json")["Records"][0]["dynamodb"]["NewImage"]
    order = order_from_item(dynamo.from_item(image))
    assert announcement(order, "ORDER_CREATED") == parse_event(json.dumps(body_of("sqs_order_created.json")))
    for status in PATHS[path]:
        event = parse_event(json.dumps(body_of(f"sqs_{status.lower()}.json")))
        moved = order.record(progress_of(event), Deadlines({"ORDER_CREATED": 60}))
        assert moved is not None, status
        order = moved
        assert announcement(order, status) == event, status
