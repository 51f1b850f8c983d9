"""The stack's watches, fed events as the bus hands them: the sweeper's nudges, the records that are
being retried, and the relay's liveness; and the console summary that shows them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from services.local.bus import Bus, Invoked, MovedToDlq, Notice, RecordFailed, StreamRead
from services.local.console.web.views import with_watch
from services.local.watch import RelayWatch, Retries, Sweeps, watches
from services.shared.topology import load_topology

ROOT = Path(__file__).resolve().parents[2]
A, B = "ord_" + "a1" * 16, "ord_" + "b2" * 16


def invoked(function: str, *, ok: bool = True, event: Any = None, payload: Any = None) -> Invoked:
    return Invoked(function, "req", 1, 1.0, ok, event=event or {}, payload=payload)


def created(order_id: str) -> dict[str, Any]:
    return {"statusCode": 201, "body": json.dumps({"order_id": order_id})}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sweeps_count_the_orders_nudged_and_flagged_by_the_sweeper_only() -> None:
    sweeps = Sweeps("sweeper")
    sweeps(invoked("sweeper", payload={"nudged": [A], "flagged": []}))
    sweeps(invoked("sweeper", payload={"nudged": [A, B], "flagged": [B]}))
    sweeps(invoked("relay", payload={"nudged": ["ord_other"], "flagged": []}))
    sweeps(invoked("sweeper", ok=False, payload={"nudged": ["ord_failed"]}))
    assert (sweeps.nudges, sweeps.nudged, sweeps.flagged) == (3, {A, B}, {B})


def test_a_retried_record_shows_until_it_succeeds_or_is_dead_lettered() -> None:
    retries = Retries()
    retries(RecordFailed("billing", A, "m-1", 1, "TransientPaymentError: down\nTraceback ..."))
    retries(RecordFailed("billing", A, "m-1", 2, "TransientPaymentError: still down"))
    retries(RecordFailed("email", B, "m-2", 1, "Throttling: slow down"))
    assert [(r.function, r.attempt, r.reason) for r in retries.by_order()[A]] == [
        ("billing", 2, "TransientPaymentError: still down")
    ]
    # billing's next batch has m-1 again and reports it failed: it stays
    retries(
        invoked(
            "billing",
            event={"Records": [{"messageId": "m-1"}, {"messageId": "m-9"}]},
            payload={"batchItemFailures": [{"itemIdentifier": "m-1"}]},
        )
    )
    assert A in retries.by_order()
    retries(invoked("email", event={"Records": [{"messageId": "m-1"}]}, payload={}))  # another function
    assert A in retries.by_order()
    retries(invoked("billing", event={"Records": [{"messageId": "m-1"}]}, payload={"batchItemFailures": []}))
    assert A not in retries.by_order()
    retries(MovedToDlq("email", B, "m-2", 5, "email-dlq"))
    assert retries.by_order() == {}


def test_a_stream_record_retry_clears_by_its_sequence_number() -> None:
    retries = Retries()
    retries(RecordFailed("relay", A, "000123", 1, "Throttling"))
    retries(invoked("relay", ok=False, event={"Records": [{"dynamodb": {"SequenceNumber": "000123"}}]}))
    assert A in retries.by_order()  # the invocation failed: still waiting
    retries(invoked("relay", event={"Records": [{"dynamodb": {"SequenceNumber": "000123"}}]}, payload=None))
    assert retries.by_order() == {}


def test_the_relay_watch_says_once_when_a_stored_order_is_not_read_and_when_it_reads_again() -> None:
    bus, clock, notices = Bus(), Clock(), []
    bus.subscribe(lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
    watch = RelayWatch(bus, writer="order-api", relay="relay", stall_seconds=10, clock=clock)
    watch(invoked("order-api", payload=created(A)))
    clock.now += 9
    watch.check()
    assert (watch.status(), notices) == (None, [])
    clock.now += 2
    watch.check()
    watch.check()
    status = watch.status()
    assert status is not None
    assert status["unread"] == 1
    assert len(notices) == 1
    assert "has not read 1 stored order(s) for 11 s" in notices[0]
    watch(StreamRead("relay", (A,)))
    assert watch.status() is None
    assert watch.stalls == 1
    assert "reads the table's writes again" in notices[-1]


def test_a_replayed_post_or_an_already_read_order_is_no_write_to_wait_for() -> None:
    bus, clock = Bus(), Clock()
    watch = RelayWatch(bus, writer="order-api", relay="relay", stall_seconds=10, clock=clock)
    watch(StreamRead("relay", (A,)))  # the stream can be read before the API's answer is seen
    watch(invoked("order-api", payload=created(A)))
    watch(invoked("order-api", payload=created(B)))
    watch(StreamRead("relay", (B,)))
    watch(invoked("order-api", payload=created(B)))  # the same key again: the first order's answer
    watch(invoked("order-api", payload={"statusCode": 400, "body": "{}"}))
    watch(invoked("order-api", payload={"statusCode": 201, "body": "not json"}))
    watch(StreamRead("billing", ()))
    clock.now += 60
    watch.check()
    assert (watch.status(), watch.stalls) == (None, 0)


def test_the_console_summary_carries_retries_the_relay_banner_and_nudges() -> None:
    bus = Bus()
    found = watches(bus, load_topology())
    bus.publish(RecordFailed("billing", A, "m-1", 3, "TransientPaymentError: provider down"))
    bus.publish(invoked("sweeper", payload={"nudged": [B], "flagged": []}))
    document = with_watch({"orders": [{"order_id": A}, {"order_id": B}]}, found)
    assert document["orders"][0]["retrying"] == [
        {"function": "billing", "attempt": 3, "reason": "TransientPaymentError: provider down"}
    ]
    assert document["orders"][1]["retrying"] == []
    assert (document["relay"], document["nudged"]) == (None, 1)


def test_orders_piped_into_a_reader_that_goes_exits_quietly(tmp_path: Path) -> None:
    lines = [
        json.dumps({"timestamp": f"2026-01-01T10:00:{n % 60:02d}", "message": f"m{n}"}) for n in range(5000)
    ]
    (tmp_path / "email.log").write_text("\n".join(lines) + "\n")
    script = (
        "import sys\n"
        "from services.local.tools import cli\n"
        "cli.load_state = lambda: {'logs_dir': sys.argv[1]}\n"
        "cli._log_filter = lambda state, reference: (reference, lambda record: True)\n"
        "sys.exit(cli.main(['logs', 'ord_x']))\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None
    assert writer.stderr is not None
    assert writer.stdout.readline()  # `| head -1`: one line, then the reader goes
    writer.stdout.close()
    error = writer.stderr.read().decode()
    assert writer.wait(30) == 141
    assert error == ""
