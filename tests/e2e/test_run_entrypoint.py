"""`make run`'s entry point as a user runs it: it comes up, then Ctrl-C or SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stack_stops_cleanly_on_signal(signum: signal.Signals, tmp_path: Path) -> None:
    out = tmp_path / "run.out"
    state_dir = tmp_path / "local"
    # One run names its state directory on the command line, the other through the environment.
    where = ["--state-dir", str(state_dir)] if signum == signal.SIGINT else []
    env = {**os.environ, "ORDERFLOW_STATE_DIR": str(state_dir if not where else tmp_path / "unused")}
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.local", "--api-port", "0", "--aws-port", "0", *where],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "Ready in" not in out.read_text():
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)
        assert (state_dir / "stack.json").is_file()
        assert not (tmp_path / "unused").exists()
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0, out.read_text()
        assert out.read_text().rstrip().endswith("Stopped.")
    finally:
        if proc.poll() is None:
            proc.kill()
