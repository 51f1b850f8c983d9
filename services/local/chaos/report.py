"""The chaos table: one row per profile."""

from __future__ import annotations

from services.local.chaos.checks import CUSTOMER_FACING, Outcome

_SHORT = {
    "ORDER_CREATED": "ord",
    "INVOICE_CREATED": "inv",
    "PAYMENT_CONFIRMED": "auth",
    "PAYMENT_FAILED": "decl",
    "SHIPPED": "ship",
    "SHIPMENT_ERROR": "refu",
    "PAYMENT_VOIDED": "void",
}


def table(outcomes: list[Outcome]) -> str:
    head = (
        f"{'profile':<25} {'placed':>6} {'terminal':>8} {'stuck':>5} {'flagged':>7} {'dlq':>3} "
        f"{'nudged':>9}  "
        f"{'inv':>4} {'auth':>4} {'capt':>4} {'void':>4} {'ship':>4}  "
        + " ".join(f"{_SHORT[s]:>4}" for s in CUSTOMER_FACING)
        + f"  {'faults':>6} {'kills':>5} {'s':>4}  result"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        e = o.effects
        lines.append(
            f"{o.profile:<25} {o.placed:>6} {o.terminal:>8} {o.stuck:>5} {o.flagged:>7} {o.dlq:>3} "
            f"{f'{o.nudged}/{o.expected_nudges}':>9}  "
            f"{e['invoices']:>4} {e['authorisations']:>4} {e['captures']:>4} "
            f"{e['voids']:>4} {e['shipments']:>4}  "
            + " ".join(f"{o.emails[s]:>4}" for s in CUSTOMER_FACING)
            + f"  {o.faults_injected:>6} {o.kills:>5} {o.seconds:>4.0f}  {'pass' if o.passed else 'FAIL'}"
        )
    lines.append(
        "emails per status: ord=ORDER_CREATED inv=INVOICE_CREATED auth=PAYMENT_CONFIRMED decl=PAYMENT_FAILED"
    )
    lines.append(
        "ship=SHIPPED refu=SHIPMENT_ERROR void=PAYMENT_VOIDED; dlq counts every DLQ and parked message"
    )
    lines.append(
        "nudged: orders the sweeper re-published / those it may (a message dead-lettered: the net's job)"
    )
    return "\n".join(lines)
