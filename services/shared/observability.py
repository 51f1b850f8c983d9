"""Structured logging shared by every function."""

from __future__ import annotations

import os

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
