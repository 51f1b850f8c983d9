"""Run one fault profile against a fresh local stack and check what production must guarantee:
every order terminal or flagged with a reason, each effect exactly once, no DLQ message the
profile does not make permanent, and the money invariant."""

from __future__ import annotations

import os
import random
import signal
import tempfile
import threading
import time
import urllib.error
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.local.bus import InvocationStarted
from services.local.chaos.profiles import Kill, Profile
from services.local.emulator.faults import FaultPlan
from services.local.settings import Options
from services.local.stack import LocalStack
from services.local.tools import orders as ops
from services.local.tools.client import request
from services.local.tools.scenarios import order_body

CUSTOMER_FACING = (
    "ORDER_CREATED",
    "INVOICE_CREATED",
    "PAYMENT_CONFIRMED",
    "PAYMENT_FAILED",
    "SHIPPED",
    "SHIPMENT_ERROR",
    "PAYMENT_VOIDED",
)
ENDINGS = (("tok_visa", "GB"), ("tok_chargeDeclined", "GB"), ("tok_visa", "AU"))  # ships, declined, refused


@dataclass
class Placed:
    key: str
    token: str
    country: str
    order_id: str | None = None
    answers: list[str] = field(default_factory=list)  # each POST attempt's status (or error)


@dataclass
class Outcome:
    profile: str
    seed: int
    placed: int
    stored: int
    terminal: int
    flagged: int
    stuck: int
    dlq: int
    expected_dlq: int
    effects: dict[str, int]
    emails: dict[str, int]
    uncertain_emails: int
    faults_injected: int
    kills: int
    post_retries: int
    seconds: float
    flagged_reasons: list[str]
    violations: list[str]

    @property
    def passed(self) -> bool:
        return not self.violations


def mix(orders: int, seed: int, profile: Profile) -> list[tuple[str, str]]:
    """The orders' endings: mostly shipped, some declined, some refused; a tenth permanent."""
    rng = random.Random(seed)
    chosen = []
    for n in range(orders):
        if profile.permanent and n % 10 == 9:
            chosen.append((next(iter(profile.permanent)), "GB"))
        else:
            chosen.append(ENDINGS[0] if n % 10 < 6 else ENDINGS[1] if n % 10 < 8 else ENDINGS[2])
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
    deadline, pause = time.monotonic() + give_up_after, 0.5
    while time.monotonic() < deadline:
        try:
            status, headers, answer = request("POST", f"{api}/orders", body, {"Idempotency-Key": placed.key})
        except (urllib.error.URLError, OSError, ValueError) as error:
            placed.answers.append(type(error).__name__)
        else:
            placed.answers.append(str(status))
            if status == 201:
                placed.order_id = answer["order_id"]
                return
            if status < 500 and status not in (408, 409):
                return  # a refusal is final
            pause = float(headers.get("Retry-After", pause))
        time.sleep(pause)
        pause = min(pause * 2, 4.0)


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
            deadline_seconds=30,
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
            return _outcome(profile, seed, stack, wanted, views, killer, time.monotonic() - started)


def _view(stack: LocalStack, order_id: str) -> dict[str, Any]:
    status, _, view = request("GET", f"{stack.api_url}/orders/{order_id}")
    return dict(view) if status == 200 else {}


def _settle(stack: LocalStack, order_ids: list[str], timeout: float) -> list[str]:
    """Wait until every order is complete or flagged (or the time is up), reading the table
    directly every 2 s: polling each order through the API would load the stack it measures."""
    from services.order.adapters import order_from_item
    from services.shared import dynamo

    deadline, wanted = time.monotonic() + timeout, set(order_ids)
    while time.monotonic() < deadline:
        orders = [order_from_item(dynamo.from_item(i)) for i in _scan(stack, "orders")]
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


def _scan(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    dynamodb, items = stack.client("dynamodb"), []
    kwargs: dict[str, Any] = {"TableName": stack.stack.tables[table] if stack.stack else table}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _outcome(
    profile: Profile,
    seed: int,
    stack: LocalStack,
    wanted: list[Placed],
    views: dict[str, dict[str, Any]],
    killer: Killer,
    seconds: float,
) -> Outcome:
    assert stack.stack is not None
    assert stack.proxy is not None
    violations: list[str] = []
    tag = wanted[0].key.rsplit("-", 1)[0]
    placed = [p for p in wanted if p.order_id]
    for p in wanted:
        if p.order_id is None:
            violations.append(f"{p.key}: never placed ({', '.join(p.answers[-3:])})")
    stored = [o for o in _scan(stack, "orders") if o["customer"]["M"]["id"]["S"].startswith(tag)]
    if len(stored) != len(placed):
        violations.append(f"{len(stored)} orders stored for {len(placed)} keys: a retry made a second order")

    issued = [i for i in _scan(stack, "invoices") if "order_id" in i]
    invoices = Counter(i["order_id"]["S"] for i in issued)
    violations.extend(_invoice_number_gaps([i["number"]["S"] for i in issued]))
    ledger = Counter((e["kind"]["S"], e["order_id"]["S"]) for e in _scan(stack, "payment-provider"))
    bookings = Counter(e["order_id"]["S"] for e in _scan(stack, "carrier"))
    emails = stack.proxy.emails
    notified = {n["id"]["S"]: n["state"]["S"] for n in _scan(stack, "notifications")}
    uncertain = 0
    sqs = stack.client("sqs")
    parked = [
        m
        for name, url in {**stack.stack.dlq_urls, **stack.stack.parked_urls}.items()
        for m in ops.peek(sqs, name, url)
    ]
    permanent = {p.order_id for p in placed if p.token in profile.permanent}
    expected_dlq = [
        m
        for m in parked
        if m.order_id in permanent and profile.permanent.get(_token(placed, m.order_id)) == m.queue
    ]
    for message in parked:
        if message not in expected_dlq:
            violations.append(f"{message.queue}: unexpected message {message.status} for {message.order_id}")

    terminal = flagged = stuck = 0
    reasons = []
    for p in placed:
        order_id = p.order_id or ""
        view = views.get(order_id, {})
        timeline = {t["status"] for t in view.get("timeline", [])}
        status = view.get("status")
        if view.get("complete"):
            terminal += 1
        elif view.get("attention"):
            flagged += 1
            reasons.append(view["attention"]["reason"])
            if order_id not in permanent:
                violations.append(f"{order_id}: flagged ({view['attention']['reason']})")
        else:
            stuck += 1
            violations.append(f"{order_id}: stuck at {status}")
        once = {
            "invoice": (invoices[order_id], 1),
            "authorisation": (ledger["authorization", order_id], 0 if order_id in permanent else 1),
            "capture": (ledger["capture", order_id], int(status == "SHIPPED")),
            "void": (ledger["void", order_id], int(status == "SHIPMENT_ERROR")),
            "shipment": (bookings[order_id], int(status == "SHIPPED")),
        }
        for effect, (got, expected) in once.items():
            if got != expected:
                violations.append(f"{order_id} ({status}): {effect} x{got}, expected x{expected}")
        for email_status in CUSTOMER_FACING:
            got, expected = emails[order_id, email_status], int(email_status in timeline)
            outcome = notified.get(f"{order_id}#{email_status}")
            if got > 1 or (got != expected and outcome != "uncertain"):
                violations.append(
                    f"{order_id}: {got} {email_status} email(s), expected {expected} ({outcome})"
                )
            if outcome == "uncertain":
                uncertain += 1
        payment = view.get("payment") or {}
        captured = int(payment.get("captured_amount", 0))
        if captured != (view.get("total", -1) if status == "SHIPPED" and view.get("complete") else 0):
            violations.append(f"{order_id} ({status}): captured {captured} of {view.get('total')}")
        if ledger["capture", order_id] and ledger["void", order_id]:
            violations.append(f"{order_id}: both captured and voided")
    if len(killer.done) != len(profile.kills):
        violations.append(f"{len(killer.done)} of {len(profile.kills)} planned kills happened")
    return Outcome(
        profile=profile.name,
        seed=seed,
        placed=len(placed),
        stored=len(stored),
        terminal=terminal,
        flagged=flagged,
        stuck=stuck,
        dlq=len(parked),
        expected_dlq=len(expected_dlq),
        effects={
            "invoices": sum(invoices[p.order_id or ""] for p in placed),
            "authorisations": sum(ledger["authorization", p.order_id or ""] for p in placed),
            "captures": sum(ledger["capture", p.order_id or ""] for p in placed),
            "voids": sum(ledger["void", p.order_id or ""] for p in placed),
            "shipments": sum(bookings[p.order_id or ""] for p in placed),
        },
        emails={s: sum(emails[p.order_id or "", s] for p in placed) for s in CUSTOMER_FACING},
        uncertain_emails=uncertain,
        faults_injected=sum(stack.proxy.injected.values()),
        kills=len(killer.done),
        post_retries=sum(len(p.answers) - 1 for p in wanted),
        seconds=round(seconds, 1),
        flagged_reasons=sorted(set(reasons)),
        violations=violations,
    )


def _invoice_number_gaps(numbers: list[str]) -> list[str]:
    """Each invoice number once, and every series gapless from 1."""
    problems = [f"invoice number {n} issued {c} times" for n, c in Counter(numbers).items() if c > 1]
    series: dict[str, list[int]] = {}
    for number in set(numbers):
        prefix, _, sequence = number.rpartition("-")
        series.setdefault(prefix, []).append(int(sequence))
    for prefix, sequences in series.items():
        if sorted(sequences) != list(range(1, len(sequences) + 1)):
            problems.append(f"invoice series {prefix} has gaps: {sorted(sequences)}")
    return problems


def _token(placed: list[Placed], order_id: str | None) -> str:
    return next((p.token for p in placed if p.order_id == order_id), "")
