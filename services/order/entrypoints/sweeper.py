"""Entrypoint: the sweeper, run on a schedule. Finds overdue orders through the sparse `due`
index (never a scan), re-publishes each one's last event once, and flags the ones that stay
stuck. Emits StuckOrders (flagged this run) and NudgedOrders as CloudWatch metrics (EMF)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from services.order import bootstrap
from services.order.usecases.saga import sweep
from services.shared import observability
from services.shared.observability import instrumented, logger

log = logger("sweeper")


@log.inject_lambda_context(clear_state=True)
@instrumented
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring = bootstrap.sweeper()
    result = sweep(orders=wiring.orders, publisher=wiring.publisher, deadlines=wiring.deadlines)
    for order_id in result.flagged:
        log.warning("Order flagged: it needs attention", extra={"order_id": order_id})
    observability.count(observability.STUCK_ORDERS, len(result.flagged))
    observability.count(observability.NUDGED_ORDERS, len(result.nudged))
    log.info("Swept", extra={"nudged": len(result.nudged), "flagged": len(result.flagged)})
    return {"nudged": list(result.nudged), "flagged": list(result.flagged)}
