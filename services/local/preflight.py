"""Before `make run` installs anything: say what it installs, and stop early, with the exact
packages to get, where awslambdaric would need a C toolchain (it ships Linux wheels only).

Standard library only: it runs with the Python that creates the venv, before any install.

    python -m services.local.preflight [--extra local]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_ENV = "ORDERFLOW_BUILD_AWSLAMBDARIC"
# awslambdaric publishes manylinux wheels for these machines; anywhere else pip compiles it.
WHEEL_MACHINES = frozenset({"x86_64", "amd64", "aarch64", "arm64"})

TOOLCHAIN = {
    "Darwin": "xcode-select --install && brew install cmake autoconf automake libtool",
    "Linux": "apt-get install g++ make cmake autoconf automake libtool "
    "(Alpine: apk add build-base cmake autoconf automake libtool elfutils-dev)",
}
NO_WHEEL = """\
error: awslambdaric has no wheel for {system} {machine}, so pip would have to compile it.
  The local stack runs every function under awslambdaric, as Lambda runs the images.
  Either install its build tools first:
      {toolchain}
  and then run: {env}=1 make run
  or run `make run` on Linux x86_64 or arm64 (a Linux VM, a dev container, or WSL2 on Windows)."""
WINDOWS = """\
error: awslambdaric (the Lambda runtime client every local function runs under) does not build
  on Windows. Run `make run` inside WSL2 (Ubuntu: python3.11 python3.11-venv make)."""


def requirements(extra: str) -> list[str]:
    """The runtime dependencies and those of `extra`, following `orderflow[other]` references."""
    import tomllib  # after the version check: Python 3.11+

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    found = list(project["dependencies"])

    def add(name: str) -> None:
        for requirement in extras.get(name, []):
            if requirement.startswith(f"{project['name']}["):
                for inner in requirement.split("[", 1)[1].rstrip("]").split(","):
                    add(inner.strip())
            elif requirement not in found:
                found.append(requirement)

    add(extra)
    return found


def problem(system: str, machine: str, environ: dict[str, str]) -> str | None:
    """Why pip would fail to install awslambdaric here, or None."""
    if environ.get(BUILD_ENV) == "1":
        return None
    if system == "Windows":
        return WINDOWS
    if system == "Linux" and machine.lower() in WHEEL_MACHINES:
        return None
    return NO_WHEEL.format(
        system=system,
        machine=machine,
        toolchain=TOOLCHAIN.get(system, TOOLCHAIN["Linux"]),
        env=BUILD_ENV,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", default="local")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 11):  # noqa: UP036 (runs before the venv, on any python3)
        print("error: orderflow needs Python 3.11 or newer: make run PYTHON=python3.11", file=sys.stderr)
        return 1
    trouble = problem(platform.system(), platform.machine(), dict(os.environ))
    if trouble:
        print(trouble, file=sys.stderr)
        return 1
    print(f"Installing .[{args.extra}] into the venv: {', '.join(requirements(args.extra))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
