"""A workspace deployed before modules/service was split plans moves only.

The old layout is taken from git (OLD_LAYOUT, the last commit with terraform/modules/service),
applied into moto, and its state planned with today's configuration: every resource must
move as terraform/moved.tf declares and none may be created, changed or destroyed. After
those moves are applied, a plan reports no change at all.

The workspace is staging (its own region and names), so nothing here meets the dev
deployment of test_emulator.py.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from .conftest import PARALLELISM, REPO, TERRAFORM_DIR, TIMINGS, Terraform, copy_root, wire_to_emulator
from .plan_json import PER_FUNCTION

pytestmark = pytest.mark.infra

OLD_LAYOUT = "43382e7"
WORKSPACE = "staging"
VAR_FILES = [f"-var-file=environments/{WORKSPACE}.tfvars", "-var-file=local/emulator.tfvars"]
STATE = "terraform.tfstate.d"


def _old_layout(dest: Path) -> Path:
    """terraform/ and the files it reads, as they were at OLD_LAYOUT; skip without the commit."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("needs git and the repository's history (the old layout comes from a commit)")
    known = subprocess.run([git, "cat-file", "-e", f"{OLD_LAYOUT}^{{commit}}"], cwd=REPO, capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"commit {OLD_LAYOUT} (the old module layout) is not in this clone: a shallow clone?")
    archive = subprocess.run(
        [
            git,
            "archive",
            "--format=tar",
            OLD_LAYOUT,
            "terraform",
            "services/topology.json",
            "services/order/catalog.json",
        ],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    assert (dest / "terraform" / "modules" / "service").is_dir()
    return dest / "terraform"


def _declared_moves() -> set[tuple[str, str]]:
    text = (TERRAFORM_DIR / "moved.tf").read_text()
    return set(re.findall(r"moved \{\s*from = (\S+)\s*to\s*= (\S+)\s*\}", text))


def _plan(tf: Terraform, name: str) -> tuple[int, dict]:
    proc = tf.run(
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        f"-out={name}",
        *VAR_FILES,
        check=False,
    )
    assert proc.returncode in (0, 2), proc.stderr
    return proc.returncode, tf.show_json(name)


@pytest.fixture(scope="module")
def migrated(terraform_bin, tf_env, moto_endpoint, tmp_path_factory) -> Terraform:
    """The old layout applied into moto, then today's root initialised over its state."""
    base = tmp_path_factory.mktemp("migration")
    old = Terraform(terraform_bin, wire_to_emulator(_old_layout(base / "old"), moto_endpoint), tf_env)
    old.run("init", "-input=false", "-no-color")
    old.run("workspace", "new", WORKSPACE, "-no-color")
    started = time.monotonic()
    old.run(
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        *VAR_FILES,
        timeout=1500,
    )
    TIMINGS["terraform apply of the old module layout"] = time.monotonic() - started

    new = Terraform(terraform_bin, wire_to_emulator(copy_root(base / "new"), moto_endpoint), tf_env)
    # The old working directory's state and its initialised backend (workspace included), as a
    # checkout would keep them across the upgrade; init then only installs the new modules.
    shutil.copytree(old.cwd / STATE, new.cwd / STATE)
    shutil.copytree(old.cwd / ".terraform", new.cwd / ".terraform")
    new.run("init", "-input=false", "-no-color")
    assert new.run("workspace", "show").stdout.strip() == WORKSPACE
    return new


def test_the_old_layout_plans_moves_only(migrated: Terraform):
    _, plan = _plan(migrated, "migration.tfplan")
    changes = [c for c in plan["resource_changes"] if c["mode"] == "managed"]
    acting = {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}
    assert acting == {}, f"the new layout would change, not only move: {acting}"
    moves = {(c["previous_address"], c["address"]) for c in changes if "previous_address" in c}
    assert moves == _declared_moves()
    # Everything of the per-function modules came from module.service; nothing else moved.
    assert not [
        c["address"]
        for c in changes
        if "previous_address" not in c
        and c["address"].startswith(tuple(f"module.{m}[" for m in PER_FUNCTION))
    ]


def test_after_the_moves_a_plan_reports_no_change(migrated: Terraform):
    migrated.run(
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        "migration.tfplan",
        timeout=900,
    )
    code, plan = _plan(migrated, "settled.tfplan")
    changed = [c["address"] for c in plan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    assert changed == []
    assert code == 0


def test_the_migrated_workspace_destroys(migrated: Terraform):
    started = time.monotonic()
    migrated.run(
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        f"-parallelism={PARALLELISM}",
        *VAR_FILES,
        timeout=1500,
    )
    TIMINGS["terraform destroy of the migrated workspace"] = time.monotonic() - started
