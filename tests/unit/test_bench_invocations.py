"""The bench's invocation recorder, fed by the bus's Invoked events (no stack needed)."""

from __future__ import annotations

import json

from services.local.bench.instrument import Invocations
from services.local.bus import Bus, Invoked, Notice


def batch(*bodies: dict[str, str]) -> dict[str, object]:
    return {"Records": [{"messageId": f"m{n}", "body": json.dumps(b)} for n, b in enumerate(bodies)]}


def test_each_invocation_is_recorded_with_its_record_sizes() -> None:
    bus, invocations = Bus(), Invocations()
    bus.subscribe(invocations)
    event = batch({"status": "ORDER_CREATED", "order_id": "o1"})
    bus.publish(Invoked("invoice", "r1", 1, 12.5, True, event=event, payload={}))
    bus.publish(Invoked("order-api", "r2", 0, 3.0, False, event={"httpMethod": "POST"}))
    bus.publish(Notice("not an invocation"))
    sizes = (len(event["Records"][0]["body"].encode()),)
    assert [(i.function, i.record_bytes, i.ok) for i in invocations.log] == [
        ("invoice", sizes, True),
        ("order-api", (), False),
    ]


def test_an_order_is_terminal_when_the_projector_took_its_last_event() -> None:
    bus, invocations = Bus(), Invocations()
    bus.subscribe(invocations)
    event = batch(
        {"status": "PAYMENT_CAPTURED", "order_id": "o1"}, {"status": "PAYMENT_VOIDED", "order_id": "o2"}
    )
    # o2's record failed (partial batch response): it is not terminal yet.
    failures = {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    bus.publish(Invoked("order-status", "r1", 2, 5.0, True, event=event, payload=failures))
    assert invocations.wait_terminal("o1", timeout=0) is not None
    assert invocations.wait_terminal("o2", timeout=0) is None
