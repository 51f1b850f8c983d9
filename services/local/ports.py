"""Before a stack binds its ports: is each one free? A taken one is one line naming what to set."""

from __future__ import annotations

import errno
import socket

from services.local.settings import STATE_DIR_ENV


class PortTaken(RuntimeError):
    pass


def ensure_free(port: int, what: str, variable: str, option: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortTaken(
                    f"port {port} ({what}) is taken: is another `make run` running? Stop it, or choose "
                    f"another port: {variable}=<port> make run (or {option} <port>), with its own "
                    f"{STATE_DIR_ENV}=<dir> so the tools find the right stack."
                ) from None
            raise
