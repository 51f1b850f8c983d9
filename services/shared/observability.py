"""Logs, business metrics and traces, shared by every function.

- Logs: Powertools Logger (JSON), built at import as before.
- Metrics: Powertools Metrics, CloudWatch embedded metric format (one JSON line on stdout that
  CloudWatch turns into metrics). Every business metric is in one namespace
  (POWERTOOLS_METRICS_NAMESPACE) with one dimension, the workspace (WORKSPACE), so a dashboard or an
  alarm names a metric the same way whichever function emits it.
- Traces: Powertools Tracer (X-Ray): the handler, every AWS call (botocore is patched) and one
  subsegment per record, annotated with the order's correlation_id.

Neither the metrics module nor the X-Ray SDK is imported at import time: both are built on the
first invocation that needs them, and the tracer only where X-Ray can receive segments (in Lambda,
not disabled by POWERTOOLS_TRACE_DISABLED). One function runs per process, so both are per process.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

# Keys Powertools adds to every line that CloudWatch already knows: each function has a log
# group of its own, the platform's REPORT line states memory, the sampling rate is the
# function's configuration. They were a quarter of the
# bytes ingested per order (logs are billed per GB ingested).
REDUNDANT_KEYS = frozenset({"function_arn", "function_name", "function_memory_size", "sampling_rate"})


class LeanFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines without the keys the log group already states."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize({k: v for k, v in dict(log).items() if k not in REDUNDANT_KEYS})


if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics
    from aws_lambda_powertools.tracing import Tracer

DEFAULT_NAMESPACE = "orderflow"
DEFAULT_WORKSPACE = "local"

# What the order-status projector counts when it first records a status on an order (each order
# records each step once, whatever the redeliveries), the business metrics of the saga, are
# declared with the statuses in services/topology.json (Topology.status_metrics). Orders placed
# (order-api), emails (email) and stuck orders (sweeper) are counted where they happen.
ORDERS_PLACED = "OrdersPlaced"
ORDER_TO_SHIPPED = "OrderToShippedSeconds"
STUCK_ORDERS = "StuckOrders"
NUDGED_ORDERS = "NudgedOrders"
# The relay's records it did not publish: of an order the table does not hold (a write that never
# committed: alarmed), or of an event the stored outbox no longer holds (a redelivery, or a newer
# event pending).
OUTBOX_ORDER_MISSING = "OutboxOrderMissing"
OUTBOX_NOT_PENDING = "OutboxEventNotPending"
# One per outcome of a notification: EmailsSent, EmailsRejected, EmailsUncertain.
EMAIL_OUTCOMES: dict[str, str] = {
    "sent": "EmailsSent",
    "rejected": "EmailsRejected",
    "uncertain": "EmailsUncertain",
}
OTHER_METRICS: tuple[str, ...] = (
    ORDERS_PLACED,
    ORDER_TO_SHIPPED,
    *EMAIL_OUTCOMES.values(),
    STUCK_ORDERS,
    NUDGED_ORDERS,
    OUTBOX_ORDER_MISSING,
    OUTBOX_NOT_PENDING,
)


def business_metrics() -> tuple[str, ...]:
    """Every business metric the functions emit: the statuses' (topology.json) and the others."""
    from services.shared.topology import load_topology

    return (*load_topology().status_metrics.values(), *OTHER_METRICS)


Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


def mask_email(address: str) -> str:
    """`ada@example.com` -> `a***@example.com`: enough to debug, not enough to harvest."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _service(default: str) -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME", default)


def child_logger(service: str) -> Logger:
    """A module's logger that writes through the function's `logger(service)`."""
    return Logger(service=_service(service), child=True)


def logger(service: str) -> Logger:
    """POWERTOOLS_SERVICE_NAME, when set (Terraform sets the function name), wins.

    The level is POWERTOOLS_LOG_LEVEL (INFO in AWS); POWERTOOLS_LOGGER_SAMPLE_RATE turns DEBUG on
    for that share of invocations, e.g. 0.01 for one in a hundred."""
    return Logger(
        service=_service(service),
        logger_formatter=LeanFormatter(use_rfc3339=True),
    )


class _State:
    metrics: Metrics | None = None
    tracer: Tracer | None = None
    tracing: bool | None = None


_state = _State()


def _metrics() -> Metrics:
    if _state.metrics is None:
        from aws_lambda_powertools.metrics import Metrics

        # service="": no `service` dimension (Powertools adds one from POWERTOOLS_SERVICE_NAME).
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)
        metrics = Metrics(namespace=namespace, service="")
        metrics.set_default_dimensions(workspace=os.environ.get("WORKSPACE", DEFAULT_WORKSPACE))
        _state.metrics = metrics
    return _state.metrics


def tracing_enabled() -> bool:
    """X-Ray receives segments only in Lambda (the same rule Powertools applies)."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not disabled


def _tracer() -> Tracer | None:
    if _state.tracing is None:
        _state.tracing = tracing_enabled()
        if _state.tracing:
            from aws_lambda_powertools.tracing import Tracer

            # Only botocore, the one client library the functions use: every AWS call is a
            # subsegment. (Patching every library X-Ray knows doubles the tracer's cold start.)
            _state.tracer = Tracer(patch_modules=["botocore"])
    return _state.tracer


def count(name: str, value: float = 1, unit: str = "Count") -> None:
    """Add to a business metric; written out when the invocation ends."""
    from aws_lambda_powertools.metrics import MetricUnit

    _metrics().add_metric(name=name, unit=MetricUnit(unit), value=value)


def flush() -> None:
    """Write the metrics recorded so far as one EMF line (nothing when there are none)."""
    metrics = _state.metrics
    if metrics is not None and metrics.metric_set:
        metrics.flush_metrics()


@contextlib.contextmanager
def traced(name: str, **annotations: str) -> Iterator[None]:
    """A subsegment with searchable annotations (correlation_id, order_id...); nothing untraced."""
    tracer = _tracer()
    if tracer is None:
        yield
        return
    with tracer.provider.in_subsegment(name) as subsegment:
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)
        yield


def instrumented(handler: Handler) -> Handler:
    """The handler traced (when X-Ray is there) and its metrics written out after each invocation,
    failed ones included. The tracer wraps the handler on its first call, not at import."""
    wrapped: dict[int, Callable[[Any, Any], Any]] = {}  # by the tracer's id (reset() makes another)

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        tracer = _tracer()
        if id(tracer) not in wrapped:
            wrapped.clear()
            # The response is not recorded in the trace: it may hold a customer's details.
            wrapped[id(tracer)] = (
                handler if tracer is None else tracer.capture_lambda_handler(handler, capture_response=False)
            )
        try:
            return wrapped[id(tracer)](event, context)
        finally:
            flush()

    return cast(Handler, run)


def reset() -> None:
    """Forget the metrics and tracer (tests that change the environment call this)."""
    _state.metrics, _state.tracer, _state.tracing = None, None, None
