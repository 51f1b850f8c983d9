"""Structured logging shared by every function."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger


def mask_email(address: str) -> str:
    """`ada@example.com` -> `a***@example.com`: enough to debug, not enough to harvest."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def logger(service: str) -> Logger:
    """POWERTOOLS_SERVICE_NAME, when set (Terraform sets the function name), wins."""
    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", service), use_rfc3339=True)
