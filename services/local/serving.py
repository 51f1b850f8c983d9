"""A stdlib HTTP server serving in a daemon thread: the local gateway and the Invoke endpoint.

Imports nothing from `services.local`: any part may use it."""

from __future__ import annotations

import threading
from socketserver import BaseServer


class Served:
    """Serves `server` in a thread from start() until stop(), which also closes its socket."""

    def __init__(self, server: BaseServer, name: str) -> None:
        self.server = server
        self._name = name
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
