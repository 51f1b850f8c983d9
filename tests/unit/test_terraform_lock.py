"""The committed provider lock files (terraform/ and terraform/bootstrap/) name the provider
version versions.tf allows, with the registry's release checksum for every platform (zh:) and
the h1: of the linux_amd64 package, so `terraform init` verifies what it installs, from the
registry or from a filesystem mirror, and a CI runner gets the same provider as this machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = [REPO / "terraform", REPO / "terraform" / "bootstrap"]
AWS = "registry.terraform.io/hashicorp/aws"


def locked(root: Path) -> dict[str, object]:
    text = (root / ".terraform.lock.hcl").read_text()
    block = re.search(rf'provider "{re.escape(AWS)}" \{{(.*?)\n\}}', text, re.S)
    assert block, f"{root}/.terraform.lock.hcl locks no {AWS}"
    body = block.group(1)
    return {
        "version": re.search(r'version\s*=\s*"([^"]+)"', body).group(1),  # type: ignore[union-attr]
        "constraints": re.search(r'constraints\s*=\s*"([^"]+)"', body).group(1),  # type: ignore[union-attr]
        "zh": re.findall(r'"zh:([0-9a-f]{64})"', body),
        "h1": re.findall(r'"h1:([A-Za-z0-9+/=]{44})"', body),
    }


def required(root: Path) -> str:
    versions = (root / "versions.tf").read_text()
    block = re.search(r"aws\s*=\s*\{(.*?)\}", versions, re.S)
    assert block
    return re.search(r'version\s*=\s*"([^"]+)"', block.group(1)).group(1)  # type: ignore[union-attr]


def satisfies(version: str, constraint: str) -> bool:
    """Terraform's `~> X.Y` (>= X.Y, < X+1) and `= X.Y.Z`, the two forms this project uses."""
    have = tuple(int(part) for part in version.split("."))
    operator, _, wanted = constraint.partition(" ")
    want = tuple(int(part) for part in wanted.split("."))
    if operator == "=":
        return have == want
    if operator == "~>":
        upper = (*want[:-2], want[-2] + 1) if len(want) >= 2 else (want[0] + 1,)
        return have >= want and have[: len(upper)] < upper
    raise AssertionError(f"constraint form {constraint!r} not handled")


@pytest.mark.parametrize("root", ROOTS, ids=lambda root: str(root.relative_to(REPO)))
def test_the_lock_names_the_version_versions_tf_allows(root: Path) -> None:
    lock = locked(root)
    assert lock["constraints"] == required(root)
    assert satisfies(str(lock["version"]), required(root))


@pytest.mark.parametrize("root", ROOTS, ids=lambda root: str(root.relative_to(REPO)))
def test_the_lock_carries_every_platforms_checksum(root: Path) -> None:
    lock = locked(root)
    assert len(set(lock["zh"])) == 15  # type: ignore[arg-type]
    assert len(lock["h1"]) >= 1  # type: ignore[arg-type]


def test_both_roots_lock_the_same_provider() -> None:
    assert locked(ROOTS[0]) == locked(ROOTS[1])


def test_the_version_check_rejects_what_the_constraint_excludes() -> None:
    assert satisfies("5.100.0", "~> 5.90")
    assert not satisfies("6.0.0", "~> 5.90")
    assert not satisfies("5.89.0", "~> 5.90")
    assert not satisfies("5.100.1", "= 5.100.0")
