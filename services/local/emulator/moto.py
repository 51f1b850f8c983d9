"""The AWS emulator: moto's server in a process of its own (emulator/server.py), and boto3
clients for it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from services.local.bus import Bus, EmailWritten
from services.local.settings import REGION, REPO_ROOT


def client(endpoint: str, name: str, *, user_agent: str | None = None) -> Any:
    """A boto3 client for the local emulator (any credentials do)."""
    from botocore.config import Config

    session: Any = boto3.session.Session()
    return session.client(
        name,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(user_agent_extra=user_agent) if user_agent else None,
    )


class EmulatorFailed(RuntimeError):
    pass


class Emulator:
    """Starts the emulator process, learns its address, relays its mailbox to the bus."""

    def __init__(
        self, port: int, emails_dir: Path, log_file: Path, bus: Bus, *, meter: Path | None = None
    ) -> None:
        self._port = port
        self._meter = meter
        self._emails_dir = emails_dir
        self._log_file = log_file
        self._bus = bus
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.endpoint = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 30) -> str:
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "services.local.emulator.server",
                    "--port",
                    str(self._port),
                    "--emails-dir",
                    str(self._emails_dir),
                    *(["--meter", str(self._meter)] if self._meter else []),
                ],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        assert self._process.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line:
            line = self._process.stdout.readline()
            if not line and self._process.poll() is not None:
                break
        if not line:
            self.stop()
            raise EmulatorFailed(f"the emulator did not start (see {self._log_file})")
        self.endpoint = json.loads(line)["listening"]
        self._reader = threading.Thread(target=self._relay, name="emulator-mailbox", daemon=True)
        self._reader.start()
        return self.endpoint

    def _relay(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                email = json.loads(line).get("email")
            except ValueError:
                continue
            if email:
                self._bus.publish(EmailWritten(email["subject"], email["path"], email.get("order_id")))

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None
