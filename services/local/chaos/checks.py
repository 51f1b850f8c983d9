"""The checks a chaos run ends with, over what the stack stored and sent: every order terminal
or flagged with a reason, each effect exactly once, no dead letter the profile does not make
permanent, every invoice series gapless, and the money invariant."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.local.chaos.profiles import Profile
from services.local.stack import LocalStack
from services.local.tools import orders as ops

CUSTOMER_FACING = (
    "ORDER_CREATED",
    "INVOICE_CREATED",
    "PAYMENT_CONFIRMED",
    "PAYMENT_FAILED",
    "SHIPPED",
    "SHIPMENT_ERROR",
    "PAYMENT_VOIDED",
)


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
    nudged: int  # orders the sweeper re-published
    expected_nudges: int
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


def scan(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    name = stack.stack.tables[table] if stack.stack else table
    pages = stack.client("dynamodb").get_paginator("scan").paginate(TableName=name)
    return [item for page in pages for item in page.get("Items", [])]


def outcome(
    profile: Profile,
    seed: int,
    stack: LocalStack,
    wanted: list[Placed],
    views: dict[str, dict[str, Any]],
    kills_done: int,
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
    stored = [o for o in scan(stack, "orders") if o["customer"]["M"]["id"]["S"].startswith(tag)]
    if len(stored) != len(placed):
        violations.append(f"{len(stored)} orders stored for {len(placed)} keys: a retry made a second order")

    issued = [i for i in scan(stack, "invoices") if "order_id" in i]
    invoices = Counter(i["order_id"]["S"] for i in issued)
    violations.extend(_invoice_number_gaps([i["number"]["S"] for i in issued]))
    ledger = Counter((e["kind"]["S"], e["order_id"]["S"]) for e in scan(stack, "payment-provider"))
    bookings = Counter(e["order_id"]["S"] for e in scan(stack, "carrier"))
    emails = stack.proxy.emails
    notified = {n["id"]["S"]: n["state"]["S"] for n in scan(stack, "notifications")}
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
    completed = {order_id for order_id, view in views.items() if view.get("complete")}
    for message in parked:
        if message in expected_dlq:
            continue
        if profile.exhausts_retries and message.order_id in completed:
            continue  # its retries ran out, and the sweeper's nudge still completed the order
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
    ids = {p.order_id for p in placed}
    nudged = stack.watch.sweeps.nudged & ids
    caught = (stack.watch.retries.dead_lettered & ids) | permanent  # what the net is for
    unexpected = sorted(nudged - caught)
    if len(unexpected) > profile.nudges:
        violations.append(
            f"the sweeper nudged {len(unexpected)} order(s) none of whose messages ran out of retries "
            f"(allowed {profile.nudges}{': ' + profile.nudges_reason if profile.nudges_reason else ''}): "
            + ", ".join(unexpected[:5])
        )
    if kills_done != len(profile.kills):
        violations.append(f"{kills_done} of {len(profile.kills)} planned kills happened")
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
        nudged=len(nudged),
        expected_nudges=len(caught) + profile.nudges,
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
        kills=kills_done,
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
