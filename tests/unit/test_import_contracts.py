"""The architecture's import contracts ([tool.importlinter] in pyproject.toml, run by `make lint`)
hold on the tree, and each one bites: a copy of the tree with one deliberate violation fails the
contract it breaks, and only the contracts that violation breaks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# contract id -> (file in the copied tree, code appended to it): one violation each
VIOLATIONS: dict[str, list[tuple[str, str]]] = {
    "services-independent": [("services/billing/service.py", "import services.invoice.domain\n")],
    "shared-imports-no-service": [("services/shared/money.py", "import services.order.queries\n")],
    "pure-domain": [
        ("services/order/domain/order.py", "import boto3\n"),
        ("services/shipment/domain.py", "from aws_lambda_powertools import Logger\n"),
        ("services/invoice/domain.py", "from services.shared import settings\n"),
    ],
    "order-public-read-side": [
        ("services/local/tools/orders.py", "from services.order.adapters import items\n"),
        ("services/local/console/text.py", "from services.billing import domain\n"),
    ],
    "order-layers": [
        ("services/order/domain/order.py", "from services.order.usecases import orders\n"),
        ("services/order/usecases/orders.py", "from services.order import bootstrap\n"),
    ],
    "order-entrypoints-wired": [
        ("services/order/entrypoints/http/responses.py", "from services.order.adapters import dynamo\n"),
        ("services/order/entrypoints/relay.py", "import boto3\n"),
    ],
    "consumer-layers": [
        ("services/billing/domain.py", "from services.billing import service\n"),
        ("services/email/service.py", "from services.email import adapters\n"),
    ],
    "nothing-imports-tests": [("services/shared/money.py", "import tests.fakes\n")],
    "acyclic": [("services/order/domain/pricing.py", "from services.order.domain import order\n")],
}


def _lint(root: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")]
    if contract:
        command += ["--contract", contract]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's packages and its contracts, copied (only .py files and pyproject.toml)."""
    if not LINT_IMPORTS.exists():
        pytest.skip("lint-imports is not installed (make venv installs import-linter)")
    root = tmp_path_factory.mktemp("tree")
    for package in ("services", "deploy", "tests"):
        shutil.copytree(
            REPO / package,
            root / package,
            ignore=lambda _, names: [n for n in names if not (n.endswith(".py") or "." not in n)],
        )
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def contract_ids() -> list[str]:
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [contract["id"] for contract in config["tool"]["importlinter"]["contracts"]]


def test_every_contract_has_a_violation_that_proves_it() -> None:
    assert sorted(VIOLATIONS) == sorted(contract_ids())


def test_the_tree_keeps_every_contract(pristine: Path) -> None:
    result = _lint(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(contract_ids())} kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("contract", "path", "code"),
    [(contract, path, code) for contract, cases in VIOLATIONS.items() for path, code in cases],
)
def test_a_deliberate_violation_breaks_its_contract(
    pristine: Path, tmp_path: Path, contract: str, path: str, code: str
) -> None:
    root = tmp_path / "tree"
    shutil.copytree(pristine, root)
    target = root / path
    assert target.exists(), path
    target.write_text(target.read_text() + "\n" + code)
    result = _lint(root, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout, result.stdout


def test_no_module_in_services_is_over_300_lines() -> None:
    """Each part small enough to read in one sitting."""
    long = {
        str(path.relative_to(REPO)): lines
        for path in (REPO / "services").rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 300
    }
    assert long == {}
