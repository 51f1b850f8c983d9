"""Fixtures for the Terraform tests: the terraform binary, the provider mirror,
a throwaway copy of the root module, and an embedded moto server.

Nothing here touches terraform/ itself: every init/plan/apply runs in a copy
under pytest's tmp dir, with the local-only provider override written there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
TOPOLOGY_PATH = REPO / "services" / "topology.json"
CATALOG_PATH = REPO / "services" / "order" / "catalog.json"
MIRROR_SCRIPT = TERRAFORM_DIR / "scripts" / "tf-mirror-config.sh"
LOCAL_DIR = TERRAFORM_DIR / "local"
WORKSPACES = ("dev", "staging", "prod")

# Used only when services/order/catalog.json does not exist yet; written into
# the temporary copy, never into the repository.
PLACEHOLDER_CATALOG = [
    {"sku": "TEST-001", "name": "Placeholder item", "unit_price": 100, "active": True},
]

# Moto creates SQS queues slowly through the provider: run many operations at once.
PARALLELISM = "64"

TIMINGS: dict[str, float] = {}


def load_topology() -> dict:
    return json.loads(TOPOLOGY_PATH.read_text())


# --- tools ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform is not on PATH (install Terraform >= 1.10 to run tests/infra)")
    return path


@pytest.fixture(scope="session")
def tf_cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Terraform CLI config that installs providers from a filesystem mirror."""
    out = tmp_path_factory.mktemp("tfcli") / "mirror.tfrc"
    proc = subprocess.run(["bash", str(MIRROR_SCRIPT), str(out)], capture_output=True, text=True, timeout=120)
    if proc.returncode == 3:
        pytest.skip(
            "terraform provider mirror with registry.terraform.io/hashicorp/aws not found "
            "(set TF_PLUGIN_MIRROR): " + proc.stderr.strip()
        )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def tf_env(tf_cli_config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(tf_cli_config),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",  # no version check against HashiCorp's checkpoint service
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@dataclass
class Terraform:
    """terraform run in one working directory with a fixed environment."""

    binary: str
    cwd: Path
    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def run(self, *args: str, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [self.binary, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.log.append(f"$ terraform {' '.join(args)}\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
        if check and proc.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} exited {proc.returncode}\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
            )
        return proc

    def output(self) -> dict:
        proc = self.run("output", "-json")
        return {name: value["value"] for name, value in json.loads(proc.stdout).items()}

    def show_json(self, planfile: str) -> dict:
        return json.loads(self.run("show", "-json", planfile).stdout)


def copy_root(dest: Path) -> Path:
    """Copy the root module and what it reads into dest; return the copy's terraform dir."""
    shutil.copytree(
        TERRAFORM_DIR,
        dest / "terraform",
        ignore=shutil.ignore_patterns(
            ".terraform", "*.tfstate*", "terraform.tfstate.d", "*.tfplan", "backend.hcl"
        ),
    )
    (dest / "services" / "order").mkdir(parents=True)
    shutil.copy2(TOPOLOGY_PATH, dest / "services" / "topology.json")
    catalog = dest / "services" / "order" / "catalog.json"
    if CATALOG_PATH.exists():
        shutil.copy2(CATALOG_PATH, catalog)
    else:
        catalog.write_text(json.dumps(PLACEHOLDER_CATALOG))
    return dest / "terraform"


@pytest.fixture(scope="session")
def validated_copy(
    terraform_bin: str, tf_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Terraform:
    """A copy of the root module, initialised without a backend (for validate)."""
    tf = Terraform(terraform_bin, copy_root(tmp_path_factory.mktemp("validate")), tf_env)
    tf.run("init", "-backend=false", "-input=false", "-no-color")
    return tf


# --- the emulator ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _aws_like_redrive_policy() -> None:
    """Make moto's SQS attributes behave as SQS does where the provider depends on it.

    - moto answers RedrivePolicy as '{"deadLetterTargetArn": "...", "maxReceiveCount": 5}'
      (with spaces); the provider does not treat that as equal to its own compact JSON and
      would plan an update forever. AWS itself returns the compact form.
    - moto neither accepts nor returns RedriveAllowPolicy (GetQueueAttributes rejects the
      name), so the provider would wait for it for ever. AWS returns it like RedrivePolicy.
    - moto's SetQueueAttributes drops the queue's Policy whenever the call does not repeat
      it (setting RedriveAllowPolicy on a DLQ would delete the DLQ's policy). AWS changes
      only the attributes given.
    """
    from moto.sqs.models import Queue

    if getattr(Queue, "_orderflow_compact_redrive", False):
        return
    original = Queue.attributes
    original_set = Queue._set_attributes

    def attributes(self):
        result = original.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        if self.redrive_allow_policy:
            result["RedriveAllowPolicy"] = json.dumps(
                json.loads(self.redrive_allow_policy), separators=(",", ":")
            )
        else:
            result.pop("RedriveAllowPolicy", None)  # removed (set to ""): absent, as in SQS
        return result

    def _set_attributes(self, attributes, now=None):
        policy = getattr(self, "policy", None)
        original_set(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = policy

    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None
    Queue.attributes = property(attributes)
    Queue._set_attributes = _set_attributes
    Queue._orderflow_compact_redrive = True


def _aws_like_sesv2() -> None:
    """Make moto's SESv2 answer as SES does where the provider depends on it.

    - GetConfigurationSet answers SendingOptions.SendingEnabled with the whole SendingOptions
      object it was given, which the provider cannot decode; AWS answers the boolean. It also
      answers empty TrackingOptions, SuppressionOptions and VdmOptions, which AWS leaves out
      when they were never set (the provider would plan to remove them for ever).
    - CreateEmailIdentity files the identity's tags under `email-identity/<address>`, but the
      identity's ARN (which the provider reads tags with) is `identity/<address>`.
    """
    from moto.ses.models import ConfigurationSet
    from moto.sesv2.models import SESV2Backend

    if getattr(ConfigurationSet, "_orderflow_aws_like", False):
        return
    original = ConfigurationSet.to_dict_v2
    original_tags = SESV2Backend.list_tags_for_resource

    def to_dict_v2(self):
        result = original(self)
        given = self.enabled
        enabled = given.get("SendingEnabled", True) if isinstance(given, dict) else given
        result["SendingOptions"] = {"SendingEnabled": bool(enabled)}
        for unset in ("TrackingOptions", "SuppressionOptions", "VdmOptions"):
            if not result.get(unset):
                result.pop(unset, None)
        return result

    def list_tags_for_resource(self, resource_arn):
        return original_tags(self, resource_arn) or original_tags(
            self, resource_arn.replace(":identity/", ":email-identity/")
        )

    ConfigurationSet.to_dict_v2 = to_dict_v2
    SESV2Backend.list_tags_for_resource = list_tags_for_resource
    ConfigurationSet._orderflow_aws_like = True


@pytest.fixture(scope="package")
def moto_endpoint() -> str:
    """An embedded moto server on a free loopback port, for tests/infra."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    from moto.server import ThreadedMotoServer

    _aws_like_redrive_policy()
    _aws_like_sesv2()
    # AWS-managed policies exist in every account (the plan role attaches ReadOnlyAccess).
    previous = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # moto's backends live in the process: an IAM backend an earlier test package created
    # (in-process mocks) has no managed policies. Start from fresh backends; nothing of
    # tests/infra exists yet.
    from moto.core.base_backend import BackendDict

    BackendDict.reset()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.stop()
    if previous is None:
        os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
    else:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = previous


def emulator_copy(dest: Path, endpoint: str) -> Path:
    """A copy of the root module wired to moto (see wire_to_emulator)."""
    return wire_to_emulator(copy_root(dest), endpoint)


def wire_to_emulator(root: Path, endpoint: str) -> Path:
    """Wire a copy of the root module to moto through *_override.tf files, from the copy's
    own local/ templates: provider_override.tf.tpl becomes the root's provider_override.tf
    (endpoints, skip_* settings, local backend); every other local/<module>_override.tf.tpl
    becomes modules/<module>/emulator_override.tf."""
    for template in sorted((root / "local").glob("*_override.tf.tpl")):
        text = template.read_text().replace("__ENDPOINT__", endpoint)
        if template.name == "provider_override.tf.tpl":
            (root / "provider_override.tf").write_text(text)
        else:
            module_dir = root / "modules" / template.name.removesuffix("_override.tf.tpl")
            assert module_dir.is_dir(), f"{template.name} names no module in terraform/modules"
            (module_dir / "emulator_override.tf").write_text(text)
    return root


@pytest.fixture(scope="package")
def boto_session(moto_endpoint: str):
    boto3 = pytest.importorskip("boto3")
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=_region("dev")
    )

    def client(service: str):
        return session.client(service, endpoint_url=moto_endpoint)

    return client


def _tfvar(workspace: str, name: str) -> str:
    """A string value of environments/<workspace>.tfvars."""
    for line in (TERRAFORM_DIR / "environments" / f"{workspace}.tfvars").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.split("#")[0].strip().strip('"')
    raise AssertionError(f"no {name} in environments/{workspace}.tfvars")


def _region(workspace: str) -> str:
    return _tfvar(workspace, "region")


# --- terraform/bootstrap -----------------------------------------------------------

BOOTSTRAP_REPOSITORY = "octo-org/orderflow"
BOOTSTRAP_STATE_BUCKET = "orderflow-terraform-state-test"


@dataclass
class Bootstrap:
    tf: Terraform
    plan: dict  # the plan right after apply: every value known
    outputs: dict
    variables: dict[str, str]


@pytest.fixture(scope="package")
def bootstrap(terraform_bin, tf_env, moto_endpoint, tmp_path_factory) -> Bootstrap:
    """terraform/bootstrap applied into the embedded moto server, with the region and the
    SES senders of environments/*.tfvars, then planned again (which must change nothing)."""
    copy = tmp_path_factory.mktemp("bootstrap") / "bootstrap"
    shutil.copytree(
        TERRAFORM_DIR / "bootstrap", copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*")
    )
    provider = (LOCAL_DIR / "provider_override.tf.tpl").read_text().replace("__ENDPOINT__", moto_endpoint)
    (copy / "provider_override.tf").write_text(provider)
    senders = ",".join(f'{ws}="{_tfvar(ws, "email_sender")}"' for ws in WORKSPACES)
    variables = {
        "region": _region("dev"),
        "github_repository": BOOTSTRAP_REPOSITORY,
        "state_bucket": BOOTSTRAP_STATE_BUCKET,
        "email_senders": "{" + senders + "}",
    }
    args = [f"-var={k}={v}" for k, v in variables.items()]
    tf = Terraform(terraform_bin, copy, tf_env)
    tf.run("init", "-input=false", "-no-color")
    started = time.monotonic()
    tf.run("apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}", *args)
    TIMINGS["terraform apply of bootstrap into moto"] = time.monotonic() - started
    proc = tf.run(
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-out=post-apply.tfplan",
        *args,
        check=False,
    )
    assert proc.returncode == 0, (
        f"bootstrap drifts right after apply:\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
    )
    return Bootstrap(tf, tf.show_json("post-apply.tfplan"), tf.output(), variables)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TIMINGS:
        terminalreporter.section("terraform timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.1f} s")
