"""The local stack fails the way Lambda fails: dead processes are replaced, and an event no
consumer takes is kept, not lost. (Timeouts: tests/unit/test_supervisor.py and the chaos suite.)"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest

from services.local.bus import InvocationStarted, RuntimeExited
from services.local.stack import LocalStack
from services.local.tools import orders as ops
from services.local.tools.client import aws_client, wait_for_terminal
from tests.e2e.conftest import DEADLINE, Recorder, eventually, order, post

pytestmark = pytest.mark.e2e


def test_a_killed_billing_process_is_replaced_and_its_orders_finish(
    stack: LocalStack, state: dict[str, Any], bus_events: Recorder
) -> None:
    billing = stack.functions["billing"]
    created = [post(stack, order())[2]["order_id"] for _ in range(5)]
    started = eventually(
        lambda: [e for e in bus_events.of(InvocationStarted) if e.function == "billing"], 30, 0.01
    )
    victim = started[0].pid
    os.kill(victim, signal.SIGKILL)
    exited = eventually(lambda: [e for e in bus_events.of(RuntimeExited) if e.pid == victim])
    assert exited[0].reason == "signal: killed"
    assert exited[0].respawned
    eventually(lambda: billing.pids and victim not in billing.pids)
    finals = [wait_for_terminal(stack.api_url, order_id, DEADLINE + 40) for order_id in created]
    assert [f["complete"] for f in finals] == [True] * 5
    assert {f["payment"]["state"] for f in finals} == {"captured"}


def test_an_event_no_consumer_takes_is_kept_in_the_unroutable_queue(
    stack: LocalStack, state: dict[str, Any], bus_events: Recorder
) -> None:
    sns = aws_client(state, "sns")
    sns.publish(
        TopicArn=state["topic_arn"],
        Message=json.dumps({"order_id": "ord_unroutable1", "status": "PAYMENT_REFUNDED"}),
        MessageAttributes={"status": {"DataType": "String", "StringValue": "PAYMENT_REFUNDED"}},
    )
    sns.publish(TopicArn=state["topic_arn"], Message=json.dumps({"order_id": "ord_unroutable2"}))
    queue = state["parked_urls"]["unroutable"]
    kept = eventually(
        lambda: (m := ops.peek(aws_client(state, "sqs"), "unroutable", queue)) and len(m) >= 2 and m
    )
    assert {m.order_id for m in kept} >= {"ord_unroutable1", "ord_unroutable2"}
