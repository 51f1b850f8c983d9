"""One execution environment of a function: a Runtime API server and the `awslambdaric`
process that polls it, as Lambda runs one sandbox per concurrent invocation."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from services.local.runtime import InvocationResult, RuntimeApiServer
from services.local.runtime.protocol import EXIT_ERROR_TYPE, error
from services.local.settings import ACCOUNT_ID, REGION, REPO_ROOT
from services.shared.topology import Function


def exit_reason(returncode: int) -> str:
    """How Lambda words a runtime's end: `signal: killed`, `exit status 1`."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name.removeprefix("SIG").lower()
        except ValueError:
            name = str(-returncode)
        return f"signal: {'killed' if name == 'kill' else name}"
    return f"exit status {returncode}"


class Sandbox:
    def __init__(self, function: Function, aws_name: str, env: dict[str, str], log_file: Path) -> None:
        self.function = function
        self.runtime = RuntimeApiServer(
            aws_name,
            timeout_seconds=function.timeout_seconds,
            memory_mb=function.memory_mb,
            region=REGION,
            account_id=ACCOUNT_ID,
        )
        self._env = env
        self._log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        """Start the runtime server (once) and a fresh runtime process (a cold start)."""
        self.runtime.start()
        self.runtime.invocations.reset()
        env = {**self._env, **self.runtime.runtime_environment()}
        with self._log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "awslambdaric", self.function.handler],
                cwd=env.get("LAMBDA_TASK_ROOT", REPO_ROOT),  # as Lambda runs in /var/task
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def exited(self) -> int | None:
        """The process's return code once it has ended, else None."""
        return None if self.process is None else self.process.poll()

    def fail_inflight(self, returncode: int) -> int:
        """The process ended: its invocation, if any, fails as Lambda reports it."""
        message = f"RequestId: Error: Runtime exited with error: {exit_reason(returncode)}"
        return self.runtime.invocations.fail_inflight(error(EXIT_ERROR_TYPE, message))

    def wait_ready(self, timeout: float) -> None:
        if not self.runtime.wait_until_polled(timeout):
            raise RuntimeError(
                f"{self.function.name} did not start: {self.runtime.init_error or 'no runtime polled'}"
                f" (see {self._log_file})"
            )

    def invoke(self, event: dict[str, object]) -> InvocationResult:
        return self.runtime.invoke(event)

    def kill(self) -> None:
        """End the process at once (a timeout, a fault): Lambda does not let a sandbox finish."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def terminate(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def stop(self) -> None:
        # Process first: a runtime that loses its Runtime API mid-poll prints a traceback.
        self.terminate()
        self.runtime.stop()
