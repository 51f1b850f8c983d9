"""Static checks of terraform/: fmt, validate, the mirror helper, conventions, checkov."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import LOCAL_DIR, MIRROR_SCRIPT, TERRAFORM_DIR, WORKSPACES, Terraform

pytestmark = pytest.mark.infra

MODULE_FILES = {"main.tf", "variables.tf", "outputs.tf", "versions.tf"}


def test_fmt(terraform_bin, tf_env):
    proc = subprocess.run(
        [terraform_bin, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=TERRAFORM_DIR,
        env=tf_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"terraform fmt would change:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("template", sorted(p.name for p in LOCAL_DIR.glob("*.tf.tpl")))
def test_fmt_emulator_templates(terraform_bin, tf_env, template):
    text = (LOCAL_DIR / template).read_text()
    proc = subprocess.run(
        [terraform_bin, "fmt", "-no-color", "-"],
        input=text,
        env=tf_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == text, f"terraform fmt would change terraform/local/{template}"


def test_validate(validated_copy):
    proc = validated_copy.run("validate", "-json", "-no-color", check=False)
    result = json.loads(proc.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)
    warnings = [d for d in result["diagnostics"] if d["severity"] == "warning"]
    assert not warnings, json.dumps(warnings, indent=2)


def test_validate_bootstrap(terraform_bin, tf_env, tmp_path):
    """terraform/bootstrap/ (the CI roles, applied once by an admin) is a root of its own."""
    copy = tmp_path / "bootstrap"
    shutil.copytree(TERRAFORM_DIR / "bootstrap", copy)
    tf = Terraform(terraform_bin, copy, tf_env)
    tf.run("init", "-backend=false", "-input=false", "-no-color")
    result = json.loads(tf.run("validate", "-json", "-no-color", check=False).stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)


def test_init_used_the_mirror_not_a_registry(validated_copy, tf_cli_config):
    config = tf_cli_config.read_text()
    assert "filesystem_mirror" in config
    assert 'include = ["registry.terraform.io/hashicorp/*"]' in config
    init_log = "\n".join(entry for entry in validated_copy.log if entry.startswith("$ terraform init"))
    assert "Installed hashicorp/aws" in init_log or "Using previously-installed hashicorp/aws" in init_log, (
        init_log
    )


def test_mirror_helper_honours_tf_plugin_mirror(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io" / "hashicorp" / "aws").mkdir(parents=True)
    out = tmp_path / "cli.tfrc"
    env = {**os.environ, "TF_PLUGIN_MIRROR": str(mirror)}
    proc = subprocess.run(
        ["bash", str(MIRROR_SCRIPT), str(out)], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert f'path    = "{mirror}"' in out.read_text()

    env["TF_PLUGIN_MIRROR"] = str(tmp_path / "empty")
    proc = subprocess.run(
        ["bash", str(MIRROR_SCRIPT), str(out)], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0


def _modules() -> list[Path]:
    return [
        TERRAFORM_DIR,
        TERRAFORM_DIR / "bootstrap",
        *sorted(p for p in (TERRAFORM_DIR / "modules").iterdir() if p.is_dir()),
    ]


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.name)
def test_module_conventions(module: Path):
    tf_files = {p.name for p in module.glob("*.tf")}
    if module in (TERRAFORM_DIR, TERRAFORM_DIR / "bootstrap"):
        # a root configuration has the four files and may split its resources by concern
        assert tf_files >= MODULE_FILES, f"{module.name}: {sorted(tf_files)}"
    else:
        assert tf_files == MODULE_FILES, f"{module.name}: {sorted(tf_files)}"
    variables = (module / "variables.tf").read_text()
    for block in re.split(r'\n(?=variable ")', variables):
        if not block.strip().startswith("variable"):
            continue
        name = re.match(r'\s*variable "([^"]+)"', block).group(1)
        assert re.search(r"^\s*description\s*=", block, re.M), (
            f"{module.name}: variable {name} has no description"
        )
        assert re.search(r"^\s*type\s*=", block, re.M), f"{module.name}: variable {name} has no type"
    outputs = re.findall(r'^output "([^"]+)"', (module / "outputs.tf").read_text(), re.M)
    for name in outputs:
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", name), (
            f"{module.name}: output {name} is not <thing>_<attribute>"
        )
    for kind, name in re.findall(
        r'^(?:resource|data) "([^"]+)" "([^"]+)"',
        "\n".join(path.read_text() for path in sorted(module.glob("*.tf"))),
        re.M,
    ):
        assert "-" not in name, f"{module.name}: {kind}.{name} uses - in a Terraform name"


@pytest.mark.parametrize("workspace", WORKSPACES)
def test_every_workspace_has_tfvars(workspace):
    assert (TERRAFORM_DIR / "environments" / f"{workspace}.tfvars").is_file()


def test_backend_example_locks():
    text = (TERRAFORM_DIR / "backend.hcl.example").read_text()
    assert re.search(r"^use_lockfile\s*=\s*true", text, re.M) or re.search(r"^dynamodb_table\s*=", text, re.M)
    assert re.search(r'backend "s3"', (TERRAFORM_DIR / "versions.tf").read_text())


# --- checkov -----------------------------------------------------------------------

SKIP_COMMENT = re.compile(r"#\s*checkov:skip=(CKV2?_[A-Z]+_\d+):(.*)")


def test_every_checkov_suppression_has_a_reason():
    for path in TERRAFORM_DIR.rglob("*.tf"):
        for line in path.read_text().splitlines():
            match = SKIP_COMMENT.search(line)
            if match:
                reason = match.group(2).strip()
                assert len(reason.split()) >= 5, f"{path.name}: {match.group(1)} needs a real reason"
                assert reason.lower().rstrip(".") not in {
                    "not needed",
                    "not required",
                    "n/a",
                    "false positive",
                }


def test_checkov_has_no_unsuppressed_failures(tmp_path):
    checkov = shutil.which("checkov", path=str(Path(sys.executable).parent)) or shutil.which("checkov")
    if checkov is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    env = {
        **os.environ,
        # Offline: no Prisma/Bridgecrew mapping or policy download, no PyPI update check.
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
        "CHECKOV_REQUEST_RETRIES": "0",
    }
    env.pop("BC_API_KEY", None)
    report = tmp_path / "checkov"
    proc = subprocess.run(
        [
            checkov,
            "--directory",
            str(TERRAFORM_DIR),
            "--framework",
            "terraform",
            "--skip-download",
            "--download-external-modules",
            "false",
            "--output",
            "json",
            "--output-file-path",
            str(report),
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = json.loads((report / "results_json.json").read_text())
    reports = results if isinstance(results, list) else [results]
    failed = [f for r in reports for f in r["results"]["failed_checks"]]
    summary = [r["summary"] for r in reports]
    assert not failed, "\n".join(
        f"{f['check_id']} {f['resource']} {f['file_path']}: {f['check_name']}" for f in failed
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert sum(s["passed"] for s in summary) > 0, summary
