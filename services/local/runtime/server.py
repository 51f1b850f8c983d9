"""A Lambda Runtime API server on loopback: one function sandbox's control plane.

A runtime client such as ``python -m awslambdaric <handler>`` long-polls
``GET /2018-06-01/runtime/invocation/next``, runs the handler and posts the outcome to
``.../invocation/{id}/response`` or ``.../invocation/{id}/error``; a handler that cannot even be
imported is reported on ``.../init/error``. The local stack runs handler processes against it
(functions/process.py), and the image tests run containers (``--network host``) against it::

    with RuntimeApiServer("invoice", timeout_seconds=30) as api:
        env = {**os.environ, **api.runtime_environment()}
        proc = subprocess.Popen([sys.executable, "-m", "awslambdaric", handler], env=env)
        api.wait_until_polled(10)
        result = api.invoke({"Records": []})

Semantics follow the 2018-06-01 Runtime API: ``/next`` answers 200 with the event and the
``Lambda-Runtime-*`` headers, the posts answer 202, an unknown request id answers 400
(``InvalidRequestID``), and a runtime that is told 500 must exit (what it hears from ``/next``
while the server stops). The deadline (``Lambda-Runtime-Deadline-Ms``) is set when a runtime takes
the invocation: now + ``timeout_seconds``. A runtime that has not answered by then gets a
``Sandbox.Timedout`` result; its late answer is accepted (202) and dropped. Ending the process at
its timeout, as Lambda does, is the supervisor's job (functions/supervisor.py).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from services.local.runtime.http import RuntimeHttpServer
from services.local.runtime.invocations import POLL_INTERVAL, Invocations
from services.local.runtime.protocol import InvocationResult


class RuntimeApiServer:
    """One sandbox's Runtime API: any number of runtime clients may poll it."""

    def __init__(
        self,
        function_name: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_seconds: float = 30,
        memory_mb: int = 256,
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self.function_name = function_name
        self.timeout_seconds = float(timeout_seconds)
        self.memory_mb = memory_mb
        self.region = region
        self.function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.invocations = Invocations(self.timeout_seconds)
        self._host = host
        self._port = port
        self._server: RuntimeHttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    @property
    def address(self) -> str:
        """host:port, the value for AWS_LAMBDA_RUNTIME_API."""
        if self._server is None:
            raise RuntimeError("RuntimeApiServer is not started")
        return f"{self._host}:{self._server.server_address[1]}"

    def start(self) -> None:
        if self._server is not None:
            return
        self.invocations.restart()
        self._server = RuntimeHttpServer((self._host, self._port), self.invocations, self.function_arn)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"runtime-api-{self.function_name}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Fail what is pending, answer waiting long-polls with 500, close every connection."""
        server = self._server
        if server is None:
            return
        self.invocations.stop()
        server.shutdown()
        deadline = time.monotonic() + 2 * POLL_INTERVAL + 0.5
        while time.monotonic() < deadline and self.invocations.waiting:
            time.sleep(0.02)  # let waiting /next handlers send their 500
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> RuntimeApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state for callers -------------------------------------------------------
    @property
    def init_error(self) -> dict[str, Any] | None:
        """The error a runtime posted to /runtime/init/error (its handler failed to load)."""
        return self.invocations.init_error

    @property
    def waiting_clients(self) -> int:
        """How many runtime clients are parked on /next right now."""
        return self.invocations.waiting

    def wait_until_polled(self, timeout: float) -> bool:
        """True once any runtime client has called /next (it initialised its handler)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.invocations.polled.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
                return True
            if self.init_error is not None or time.monotonic() >= deadline:
                return self.invocations.polled.is_set()

    def runtime_environment(self) -> dict[str, str]:
        """The environment Lambda gives a runtime process for this function."""
        return {
            "AWS_LAMBDA_RUNTIME_API": self.address,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    # -- the caller's side -----------------------------------------------------
    def invoke(
        self,
        event: Any,
        *,
        timeout: float | None = None,
    ) -> InvocationResult:
        """Queue one invocation and wait for its outcome (thread-safe).

        ``timeout`` bounds how long this call blocks in total (waiting for a free runtime
        included); ``None`` waits for a runtime as long as it takes, and then up to the
        function's deadline. An init error, a stopped server or a missed deadline come back as
        an error result, never as an exception.
        """
        if self._server is None:
            raise RuntimeError("RuntimeApiServer is not started")
        invocation = self.invocations.submit(event)
        return self.invocations.wait(invocation, timeout)
