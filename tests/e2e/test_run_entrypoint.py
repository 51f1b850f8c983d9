"""`make run`'s entry point as a user runs it: it comes up, then Ctrl-C or SIGTERM stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from services.local.settings import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stack_stops_cleanly_on_signal(signum: signal.Signals, tmp_path: Path) -> None:
    out = tmp_path / "run.out"
    state_dir = tmp_path / "local"
    # One run names its state directory on the command line, the other through the environment.
    where = ["--state-dir", str(state_dir)] if signum == signal.SIGINT else []
    env = {**os.environ, "ORDERFLOW_STATE_DIR": str(state_dir if not where else tmp_path / "unused")}
    # One run has the default API key, the other the one LOCAL_API_KEY sets.
    env.pop("LOCAL_API_KEY", None)
    expected = DEFAULT_API_KEY if where else "entrypoint-test-key-0123"
    if not where:
        env["LOCAL_API_KEY"] = expected
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
        while "Try: curl" not in out.read_text():  # the line after "Ready in"
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)
        assert (state_dir / "stack.json").is_file()
        assert not (tmp_path / "unused").exists()
        # The key the gateway requires: in the banner, in stack.json and in the curl hint.
        key = json.loads((state_dir / "stack.json").read_text())["api_key"]
        assert key == expected
        assert re.search(rf"^API key: +{re.escape(key)}\b", out.read_text(), re.MULTILINE), out.read_text()
        assert f"-H 'x-api-key: {key}'" in out.read_text()
        console = re.search(r"^Console: +(http://127\.0\.0\.1:\d+/_console)\b", out.read_text(), re.MULTILINE)
        assert console is not None, f"the banner names no console:\n{out.read_text()}"
        with urllib.request.urlopen(console.group(1), timeout=10) as page:
            assert page.status == 200
            assert b"orderflow" in page.read()
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0, out.read_text()
        assert out.read_text().rstrip().endswith("Stopped.")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_ctrl_c_while_the_stack_starts_stops_what_has_started(tmp_path: Path) -> None:
    state = tmp_path / "local"
    out = tmp_path / "run.out"
    command = [sys.executable, "-m", "services.local", "--api-port", "0", "--aws-port", "0"]
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [*command, "--state-dir", str(state)], cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not (state / "emails").exists():  # made first thing in start()
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, out.read_text()
        assert out.read_text().rstrip().endswith("Stopped.")
        emulators = subprocess.run(["pgrep", "-f", f"--emails-dir {state}/emails"], capture_output=True)
        assert emulators.stdout == b"", "the emulator process outlived the stack"
    finally:
        if proc.poll() is None:
            proc.kill()
