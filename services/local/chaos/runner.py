"""Run one fault profile against a fresh local stack and check what production must guarantee:
every order terminal or flagged with a reason, each effect exactly once, no DLQ message the
profile does not make permanent, and the money invariant (the checks are in checks.py)."""

from __future__ import annotations

import os
import random
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from services.local.bus import InvocationStarted
from services.local.chaos.checks import Outcome, Placed, outcome, scan
from services.local.chaos.profiles import Kill, Profile
from services.local.emulator.faults import FaultPlan
from services.local.settings import Options
from services.local.stack import LocalStack
from services.local.tools.client import post_order, request
from services.local.tools.scenarios import ENDINGS, order_body

SHIPS, DECLINED, REFUSED = (ENDINGS[name] for name in ("ships", "payment declined", "destination refused"))


def mix(orders: int, seed: int, profile: Profile) -> list[tuple[str, str]]:
    """The orders' endings: mostly shipped, some declined, some refused; a tenth permanent."""
    rng = random.Random(seed)
    chosen = []
    for n in range(orders):
        if profile.permanent and n % 10 == 9:
            chosen.append((next(iter(profile.permanent)), "GB"))
        else:
            chosen.append(SHIPS if n % 10 < 6 else DECLINED if n % 10 < 8 else REFUSED)
    rng.shuffle(chosen)
    return chosen


class Killer:
    """SIGKILLs a function's process when it starts its n-th invocation (in the middle of it)."""

    def __init__(self, stack: LocalStack, kills: tuple[Kill, ...], seed: int) -> None:
        self._plan = {(k.function, k.nth) for k in kills}
        self._seen: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.done: list[tuple[str, int]] = []
        stack.bus.subscribe(self)

    def __call__(self, event: Any) -> None:
        if not isinstance(event, InvocationStarted) or event.pid is None:
            return
        with self._lock:
            self._seen[event.function] += 1
            if (event.function, self._seen[event.function]) not in self._plan:
                return
        delay = self._rng.uniform(0.005, 0.05)
        threading.Timer(delay, self._kill, (event.function, event.pid)).start()

    def _kill(self, function: str, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
            self.done.append((function, pid))
        except ProcessLookupError:
            pass


def place(api: str, placed: Placed, give_up_after: float = 120) -> None:
    """POST until the API says 201, retrying with the same Idempotency-Key on 5xx, 408, 409 and
    broken connections, as a careful client does."""
    body = order_body(placed.token, placed.country)
    body["customer"]["id"] = placed.key[:64]
    status, answer = post_order(
        api, body, placed.key, give_up_after=give_up_after, on_attempt=placed.answers.append
    )
    if status == 201:
        placed.order_id = answer["order_id"]


def run(profile: Profile, *, orders: int, seed: int, settle_seconds: float = 300) -> Outcome:
    started = time.monotonic()
    tag = f"chaos-{profile.name}-{seed}-{uuid.uuid4().hex[:6]}"
    wanted = [
        Placed(f"{tag}-{n}", token, country) for n, (token, country) in enumerate(mix(orders, seed, profile))
    ]
    env = {**profile.env, "PAYMENT_SIMULATOR_SEED": str(seed), "CARRIER_SIMULATOR_SEED": str(seed)}
    with tempfile.TemporaryDirectory(prefix="orderflow-chaos-") as state_dir:
        options = Options(
            api_port=0,
            aws_port=0,
            state_dir=Path(state_dir),
            quiet=True,
            faults=True,
            retry_delay_seconds=1,
            # Longer than a message's whole local retry span (1 + 2 + 4 s, then the function's
            # 30 s timeout before the last attempt), so the sweeper moves only what retries gave
            # up on: a nudge is then a message lost or dead-lettered, never one still retrying.
            deadline_seconds=60,
            sweep_interval_seconds=3,
            extra_env=env,
        )
        with LocalStack(options) as stack:
            assert stack.proxy is not None
            stack.duplicate_deliveries = profile.duplicate_deliveries
            killer = Killer(stack, profile.kills, seed)
            stack.proxy.activate(FaultPlan(profile.rules, seed))
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda p: place(stack.api_url, p), wanted))
            order_ids = _settle(stack, [p.order_id for p in wanted if p.order_id], settle_seconds)
            stack.proxy.activate(None)
            _quiet(stack)
            views = {order_id: _view(stack, order_id) for order_id in order_ids}
            return outcome(profile, seed, stack, wanted, views, len(killer.done), time.monotonic() - started)


def _view(stack: LocalStack, order_id: str) -> dict[str, Any]:
    status, _, view = request("GET", f"{stack.api_url}/orders/{order_id}")
    return dict(view) if status == 200 else {}


def _settle(stack: LocalStack, order_ids: list[str], timeout: float) -> list[str]:
    """Wait until every order is complete or flagged (or the time is up), reading the table
    directly every 2 s: polling each order through the API would load the stack it measures."""
    from services.order.queries import order_of_item
    from services.shared import dynamo

    deadline, wanted = time.monotonic() + timeout, set(order_ids)
    while time.monotonic() < deadline:
        orders = [order_of_item(dynamo.from_item(i)) for i in scan(stack, "orders")]
        if all(o.complete or o.attention for o in orders if o.order_id in wanted):
            break
        time.sleep(2)
    return order_ids


def _quiet(stack: LocalStack, timeout: float = 120) -> None:
    """Wait until every queue is empty twice in a row: the trailing effects (the last emails, a
    backlog the faults built) have landed before anything is counted."""
    assert stack.stack is not None
    sqs = stack.client("sqs")
    urls = list(stack.stack.queue_urls.values())
    end, empty_checks = time.monotonic() + timeout, 0
    while time.monotonic() < end and empty_checks < 2:
        waiting = 0
        for url in urls:
            counts = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            waiting += sum(int(v) for v in counts.values())
        empty_checks = empty_checks + 1 if waiting == 0 else 0
        time.sleep(1)
