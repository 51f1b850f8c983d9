"""What every part of the local stack shares: where it lives, its account and region, its options.

This module imports nothing else from `services.local`: every other part may import it. What the
environment sets (LocalSettings) is read and validated when a stack or a tool asks, never at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from services.shared.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# The SES sandbox, simulated: emulated SES refuses any recipient at this domain with the
# MessageRejected a sandboxed account gets for an unverified address (emulator/mailbox.py).
# example.com is reserved (RFC 2606) and the API takes it, unlike .invalid or .test addresses.
REJECTED_RECIPIENT_DOMAIN = "rejected.example.com"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
DEFAULT_STATE_DIR = REPO_ROOT / ".local"
STATE_DIR_ENV = "ORDERFLOW_STATE_DIR"
API_PORT_ENV = "ORDERFLOW_API_PORT"
AWS_PORT_ENV = "ORDERFLOW_AWS_PORT"
# The key the local gateway requires in `x-api-key`, as API Gateway requires a usage plan's key.
# Not a secret: the stack listens on loopback only. 20 characters at least, as API Gateway's are.
DEFAULT_API_KEY = "local-orderflow-api-key"
API_KEY_ENV = "LOCAL_API_KEY"
API_KEY_HEADER = "x-api-key"  # where a request carries it (HTTP names are case-insensitive)


class LocalSettings(Settings):
    """The local stack's settings from the environment (field names are the variables)."""

    # API Gateway takes a key of 20 to 128 characters; each is visible ASCII, as a header value.
    LOCAL_API_KEY: str = Field(default=DEFAULT_API_KEY, pattern=r"^[\x21-\x7e]{20,128}$")


def local_api_key() -> str:
    """The key the local gateway requires: LOCAL_API_KEY when set (ConfigurationError when it is not
    20 to 128 visible ASCII characters), else DEFAULT_API_KEY."""
    return load_settings(LocalSettings).LOCAL_API_KEY


def state_dir() -> Path:
    """Where a running stack keeps its state file, logs and emails (ORDERFLOW_STATE_DIR wins)."""
    directory = os.environ.get(STATE_DIR_ENV)
    return Path(directory) if directory else DEFAULT_STATE_DIR


@dataclass
class Options:
    """How one local stack runs. `make run` fills it from the command line."""

    api_port: int = 3000
    # What the gateway requires in `x-api-key`; the banner prints it and stack.json holds it.
    api_key: str = field(default_factory=local_api_key)
    aws_port: int = 4566
    state_dir: Path = field(default_factory=state_dir)
    # Seconds before a failed message is visible again (AWS: the queue's visibility timeout).
    # Doubled on each further receive, see sources/sqs.py.
    retry_delay_seconds: float = 1.0
    api_processes: int = 2
    # Batches of one queue in flight at once, each in its own function process (AWS: up to the
    # mapping's maximum concurrency, 5).
    consumer_concurrency: int = 2
    quiet: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    # Seconds an order may stay in a non-terminal status before the sweeper nudges it,
    # for every status (AWS: the per-status deadlines in topology.json, minutes).
    deadline_seconds: int = 20
    sweep_interval_seconds: float = 5.0
    # Seconds the local API Gateway waits for a request's body before answering 408.
    gateway_read_timeout_seconds: float = 10.0
    # Put the fault-injecting proxy between the functions and the emulator (make chaos).
    faults: bool = False
    # Where the functions' code is (their LAMBDA_TASK_ROOT); a test may run a copy.
    code_root: Path = REPO_ROOT
    # Restart a function's processes when its code under code_root/services changes (make run).
    reload: bool = False
    # The functions' POWERTOOLS_LOG_LEVEL. DEBUG locally, so `orders logs` shows every step of an
    # order (each record's "Record processed" line); AWS runs INFO (terraform `log_level`), where
    # a record logs only its effects and failures. The bench measures log bytes at INFO.
    log_level: str = "DEBUG"
    # The emulator counts each operation's calls and CPU time, written here on SIGUSR1 (the bench).
    emulator_meter: Path | None = None
