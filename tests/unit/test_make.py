"""The Makefile's deploy-side targets, with a fake `terraform` (no AWS, no state): what goes to
stdout and stderr, exit codes, and the --platform `make build` passes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")

FAKE_TERRAFORM = """#!/usr/bin/env bash
# Chatty like the real one: init and workspace selection talk on stdout.
for arg in "$@"; do
  case "$arg" in
    init) echo "Initializing the backend..."; echo "Terraform has been successfully initialized!"; exit 0 ;;
    workspace) echo "Switched to workspace \\"dev\\"."; exit 0 ;;
    output)
      case "$FAKE_KEY" in
        unreadable) echo "Error: Unsupported state file format" >&2; exit 1 ;;
        *) printf '%s' "$FAKE_KEY"; exit 0 ;;
      esac ;;
  esac
done
echo "unexpected: $*" >&2
exit 2
"""


@pytest.fixture
def tf_dir(tmp_path: Path) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.tfvars").write_text('image_architecture = "arm64"\n')
    (tmp_path / "backend.hcl").write_text('bucket = "b"\n')
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_TERRAFORM)
    fake.chmod(0o755)
    return tmp_path


def make(tf_dir: Path, *args: str, key: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKE_KEY": key}
    env.pop("MAKEFLAGS", None)
    return subprocess.run(
        ["make", "-s", "-C", str(ROOT), *args, f"TF={tf_dir}/terraform", f"TF_DIR={tf_dir}", "WORKSPACE=dev"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_api_key_prints_only_the_key_on_stdout(tf_dir: Path) -> None:
    done = make(tf_dir, "api-key", key="k3y-Abc123")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "k3y-Abc123\n"
    assert "successfully initialized" in done.stderr  # the chatter is still shown, on stderr
    assert 'Switched to workspace "dev"' in done.stderr


@pytest.mark.parametrize("key", ["unreadable", ""])
def test_api_key_fails_when_the_key_cannot_be_read(tf_dir: Path, key: str) -> None:
    done = make(tf_dir, "api-key", key=key)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "no API key in the dev state" in done.stderr


def test_build_targets_the_workspaces_architecture(tf_dir: Path) -> None:
    dry = make(tf_dir, "-n", "build")
    assert dry.returncode == 0, dry.stderr
    assert "PLATFORM='linux/arm64'" in dry.stdout
    (tf_dir / "environments" / "dev.tfvars").write_text('image_architecture = "x86_64"\n')
    assert "PLATFORM='linux/amd64'" in make(tf_dir, "-n", "build").stdout
    (tf_dir / "environments" / "dev.tfvars").write_text('image_architecture = "sparc"\n')
    refused = make(tf_dir, "-n", "build")
    assert refused.returncode != 0
    assert "neither x86_64 nor arm64" in refused.stderr


def test_every_workspace_names_its_architecture() -> None:
    for tfvars in (ROOT / "terraform" / "environments").glob("*.tfvars"):
        assert 'image_architecture = "x86_64"' in tfvars.read_text(), tfvars.name


def test_deploy_applies_the_repositories_then_builds_pushes_and_applies_the_digests(tf_dir: Path) -> None:
    steps = [
        line
        for line in make(tf_dir, "-n", "deploy").stdout.splitlines()
        if line.endswith(("build.sh", "push.sh"))
        or line.startswith(f"{tf_dir}/terraform -chdir={tf_dir} apply")
    ]
    assert len(steps) == 4, steps
    assert "-target=module.ecr" in steps[0]
    assert "build.sh" in steps[1]
    assert "PLATFORM='linux/arm64'" in steps[1]
    assert "push.sh" in steps[2]
    assert "-target" not in steps[3]
    assert "image_tag=bootstrap" not in steps[3]
