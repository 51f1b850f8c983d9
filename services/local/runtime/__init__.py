"""A Lambda Runtime API on loopback: protocol, invocation state, HTTP transport, server."""

from services.local.runtime.protocol import InvocationResult
from services.local.runtime.server import RuntimeApiServer

__all__ = ["InvocationResult", "RuntimeApiServer"]
