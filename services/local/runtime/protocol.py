"""The Lambda Runtime API 2018-06-01 as the local stack speaks it: paths, headers, error types,
and what an invocation's caller gets back."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

API_VERSION = "2018-06-01"
PREFIX = f"/{API_VERSION}/runtime"
NEXT_PATH = f"{PREFIX}/invocation/next"
INIT_ERROR_PATH = f"{PREFIX}/init/error"
INVOCATION_PREFIX = f"{PREFIX}/invocation/"

HEADER_REQUEST_ID = "Lambda-Runtime-Aws-Request-Id"
HEADER_DEADLINE_MS = "Lambda-Runtime-Deadline-Ms"
HEADER_FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn"
HEADER_TRACE_ID = "Lambda-Runtime-Trace-Id"
HEADER_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"

TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"
UNAVAILABLE_ERROR_TYPE = "Runtime.Unavailable"
STOPPED_ERROR_TYPE = "Runtime.Stopped"
EXIT_ERROR_TYPE = "Runtime.ExitError"


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one invocation, as the caller of Lambda's Invoke sees it."""

    request_id: str
    ok: bool
    payload: Any  # decoded JSON response (or the raw text if not JSON); None on error
    error: dict[str, Any] | None  # errorMessage / errorType / stackTrace as the runtime posted them
    duration_ms: float  # from invoke() to the outcome, queueing included

    @property
    def timed_out(self) -> bool:
        return not self.ok and (self.error or {}).get("errorType") == TIMEOUT_ERROR_TYPE


def error(error_type: str, message: str) -> dict[str, Any]:
    return {"errorType": error_type, "errorMessage": message}


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def decode_payload(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def decode_error(body: bytes, error_type_header: str | None) -> dict[str, Any]:
    try:
        decoded = json.loads(body) if body else {}
    except ValueError:
        decoded = {"errorMessage": body.decode("utf-8", "replace")}
    found: dict[str, Any] = decoded if isinstance(decoded, dict) else {"errorMessage": decoded}
    if error_type_header and not found.get("errorType"):
        found["errorType"] = error_type_header
    found.setdefault("errorType", "Unknown")
    found.setdefault("errorMessage", "")
    return found
