"""Each function's environment, from the topology declaration: the one definition of it. It sits
beside services/topology.json, outside what the images copy: no function reads it.

Terraform sets the same variables (terraform/main.tf; tests/infra holds the two together), the
local stack and the tests call this function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.shared.observability import DEFAULT_NAMESPACE, DEFAULT_WORKSPACE
from services.shared.topology import Function


@dataclass(frozen=True)
class Resources:
    """The names one deployment gave the resources the topology declares."""

    tables: Mapping[str, str]  # logical table name -> its name in this deployment
    topic_arn: str
    email_sender: str
    configuration_set: str | None = None
    metrics_namespace: str = DEFAULT_NAMESPACE
    log_level: str = "INFO"
    workspace: str = DEFAULT_WORKSPACE  # the business metrics' one dimension
    log_sample_rate: float = 0.0  # share of invocations logged at DEBUG whatever the level
    invoice_series: int = 1  # gapless invoice series the invoice function spreads orders over


def function_environment(function: Function, resources: Resources) -> dict[str, str]:
    env = {spec.env_var: resources.tables[spec.table] for spec in function.tables}
    if function.publishes:
        env["EVENTS_TOPIC_ARN"] = resources.topic_arn
    if function.sends_email:
        env["EMAIL_SENDER"] = resources.email_sender
        if resources.configuration_set:
            env["EMAIL_CONFIGURATION_SET"] = resources.configuration_set
    if function.name == "invoice":
        env["INVOICE_SERIES"] = str(resources.invoice_series)
    env["POWERTOOLS_SERVICE_NAME"] = function.name
    env["POWERTOOLS_LOG_LEVEL"] = resources.log_level
    env["POWERTOOLS_LOGGER_SAMPLE_RATE"] = f"{resources.log_sample_rate:g}"
    env["POWERTOOLS_METRICS_NAMESPACE"] = resources.metrics_namespace
    env["WORKSPACE"] = resources.workspace
    return env
