""".github/: the promotion input is validated strictly, each deploy job assumes its own
environment's role only after its dependencies are installed, and checkov passes."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, load_topology

pytestmark = pytest.mark.infra

WORKFLOWS = REPO / ".github" / "workflows"
IMAGE_VARS = REPO / ".github" / "scripts" / "image-vars.py"


def _image_vars():
    spec = importlib.util.spec_from_file_location("image_vars", IMAGE_VARS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _good() -> dict:
    images = sorted({f["image"] for f in load_topology()["functions"].values()})
    return {
        "image_tag": "0123abc",
        "image_digests": {i: "sha256:" + f"{n:x}" * 64 for n, i in enumerate(images, 1)},
    }


def _run(tmp_path: Path, artifact: str) -> subprocess.CompletedProcess:
    source = tmp_path / "image-digests.json"
    source.write_text(artifact)
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"}
    return subprocess.run(
        [sys.executable, str(IMAGE_VARS), str(source), str(tmp_path / "images.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_digests_file_from_make_push_passes(tmp_path):
    good = _good()
    proc = _run(tmp_path, json.dumps(good))
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split("=", 1) for line in proc.stdout.splitlines())
    assert lines["image-tag"] == "0123abc"
    assert (
        lines["image-digests"]
        == "{" + ",".join(f'{i}="{d}"' for i, d in sorted(good["image_digests"].items())) + "}"
    )
    assert json.loads((tmp_path / "images.json").read_text()) == good


BAD = {
    "another variable": lambda d: {**d, "email_sender": "evil@example.com"},
    "a var-file's worth": lambda d: {**d, "permissions_boundary_arn": "arn:aws:iam::1:policy/x"},
    "tag with quotes": lambda d: {**d, "image_tag": 'x" -var="alarm_emails=[]'},
    "tag not a commit": lambda d: {**d, "image_tag": "latest"},
    "digest not sha256": lambda d: {**d, "image_digests": {**d["image_digests"], "order": "md5:abc"}},
    "short digest": lambda d: {**d, "image_digests": {**d["image_digests"], "order": "sha256:" + "a" * 63}},
    "uppercase digest": lambda d: {
        **d,
        "image_digests": {**d["image_digests"], "order": "sha256:" + "A" * 64},
    },
    "digest with a tail": lambda d: {
        **d,
        "image_digests": {**d["image_digests"], "order": "sha256:" + "a" * 64 + '"}'},
    },
    "unknown image": lambda d: {**d, "image_digests": {**d["image_digests"], "evil": "sha256:" + "a" * 64}},
    "missing image": lambda d: {**d, "image_digests": dict(list(d["image_digests"].items())[1:])},
    "digests not a map": lambda d: {**d, "image_digests": ["sha256:" + "a" * 64]},
    "not an object": lambda d: [d],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_anything_else_is_rejected(tmp_path, case):
    proc = _run(tmp_path, json.dumps(BAD[case](_good())))
    assert proc.returncode == 1, proc.stdout
    assert "rejected" in proc.stderr
    assert not (tmp_path / "images.json").exists()


def test_duplicate_keys_and_garbage_are_rejected(tmp_path):
    good = json.dumps(_good())
    assert _run(tmp_path, good[:-1] + ', "image_tag": "fedcba9"}').returncode == 1
    assert _run(tmp_path, "not json").returncode == 1
    assert _run(tmp_path, good + " " * 70000).returncode == 1


def _steps(workflow: str, job: str) -> list[dict]:
    import yaml

    return yaml.safe_load((WORKFLOWS / workflow).read_text())["jobs"][job]["steps"]


def _index(steps: list[dict], predicate) -> int:
    hits = [i for i, step in enumerate(steps) if predicate(step)]
    assert hits, "step not found"
    return hits[0]


def _assumes_role(step: dict) -> bool:
    return str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials")


def test_promote_checks_the_run_through_the_api_before_anything_else():
    import yaml

    promote = yaml.safe_load((WORKFLOWS / "promote.yml").read_text())
    jobs = promote["jobs"]
    assert list(jobs) == ["verify-run", "deploy"]
    assert jobs["deploy"]["needs"] == "verify-run"
    assert jobs["deploy"]["with"]["digests-run-id"] == "${{ needs.verify-run.outputs.run-id }}"
    assert jobs["verify-run"]["permissions"] == {"actions": "read"}
    (check,) = jobs["verify-run"]["steps"]
    script = check["run"]
    assert "gh api" in script
    assert "repos/$REPOSITORY/actions/runs/$RUN_ID" in script
    for condition in (
        '"$path" != ".github/workflows/main.yml"',
        '"$event" != "push"',
        '"$branch" != "main"',
        '"$conclusion" != "success"',
        '"$head_repository" != "$REPOSITORY"',
    ):
        assert condition in script, condition
    assert "${{" not in script, "inputs reach the script through env only"


def test_no_workflow_passes_a_var_file_from_an_artifact():
    import yaml

    for path in WORKFLOWS.glob("*.yml"):
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job.get("steps", []):
                assert "-var-file" not in str(step.get("run", "")), f"{path.name} {name}"
    deploy = _steps("deploy.yml", "apply")
    download = _index(deploy, lambda s: "download-artifact" in str(s.get("uses", "")))
    assert deploy[download]["with"]["path"] == "${{ runner.temp }}/artifact", "outside the repository"
    validate = _index(deploy, lambda s: "image-vars.py" in str(s.get("run", "")))
    first_use = _index(
        deploy, lambda s: "IMAGE_DIGESTS" in str(s.get("env", {})) or "copy-images" in str(s.get("run", ""))
    )
    assert download < validate < first_use


@pytest.mark.parametrize(
    ("workflow", "job", "role"),
    [
        ("deploy.yml", "apply", "AWS_DEPLOY_ROLE_ARN"),
        ("main.yml", "build-push", "AWS_DEPLOY_ROLE_ARN"),
        ("pr.yml", "plan-dev", "AWS_PLAN_ROLE_ARN"),
    ],
)
def test_dependencies_are_installed_before_the_role_is_assumed(workflow, job, role):
    import yaml

    spec = yaml.safe_load((WORKFLOWS / workflow).read_text())["jobs"][job]
    assert spec.get("environment"), f"{job} assumes a role outside a GitHub environment"
    steps = spec["steps"]
    assume = _index(steps, _assumes_role)
    assert steps[assume]["with"]["role-to-assume"] == f"${{{{ vars.{role} }}}}"
    installs = ("make venv", "make build", "pip install", "terraform -chdir=terraform init -backend=false")
    for i, step in enumerate(steps):
        run = str(step.get("run", ""))
        if any(marker in run for marker in installs):
            assert i < assume, f"{workflow}/{job}: {run.splitlines()[0]} runs after the role is assumed"
    assert any(any(m in str(s.get("run", "")) for m in installs) for s in steps[:assume])


def test_checkov_on_github_actions_has_no_unsuppressed_failures(tmp_path):
    checkov = shutil.which("checkov", path=str(Path(sys.executable).parent)) or shutil.which("checkov")
    if checkov is None:
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    env = {
        **os.environ,
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
            str(REPO / ".github"),
            "--framework",
            "github_actions",
            "--skip-download",
            "--output",
            "json",
            "--output-file-path",
            str(report),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = json.loads((report / "results_json.json").read_text())
    reports = results if isinstance(results, list) else [results]
    failed = [f for r in reports for f in r["results"]["failed_checks"]]
    assert not failed, "\n".join(f"{f['check_id']} {f['file_path']}: {f['check_name']}" for f in failed)
    skipped = [f for r in reports for f in r["results"]["skipped_checks"]]
    assert [(f["check_id"], Path(f["file_path"]).name) for f in skipped] == [("CKV_GHA_7", "promote.yml")]
    assert len(re.findall(r"\w+", skipped[0]["check_result"].get("suppress_comment", ""))) >= 10
    assert proc.returncode == 0, proc.stderr[-2000:]
