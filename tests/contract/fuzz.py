"""The contract fuzzer: schemathesis, from the committed services/order/openapi.json, against a
local stack. tests/contract/test_fuzz.py runs it in `make test` (fixed seed, few examples);
`make contract` runs it at 1,000 examples per operation with a random seed:

    python -m tests.contract.fuzz [--examples N] [--seed S]

Every check schemathesis has runs (and one of ours), with two deliberate settings:
- every request carries the stack's API key in `x-api-key` (the document's `apiKey` scheme, given
  in `[auth.openapi.apiKey]`), as API Gateway requires one, and so does the local gateway; the
  `ignored_auth` check is on: for each operation it sends the request again without the key and
  with an invalid one, and fails unless both are refused (403);
- POST /orders may refuse a schema-valid order with 422 (positive_data_acceptance takes 422 there,
  and only there), and tests/contract/hooks.py checks such a refusal names a catalog rule.
The catalog's SKUs are a dictionary the generator draws from half the time, so orders get placed
(201), and the stateful phase follows the 201's link to GET /orders/{order_id} (200).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = REPO_ROOT / "services" / "order" / "openapi.json"
CATALOG = REPO_ROOT / "services" / "order" / "catalog.json"
SCHEMATHESIS = "schemathesis"
# Statuses schemathesis accepts for a schema-valid request by default, and the one POST /orders adds.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


@dataclass
class Outcome:
    exit_code: int
    seconds: float
    output: str
    report: dict[str, Any]
    statuses: dict[str, Counter[int]] = field(default_factory=dict)

    @property
    def generated(self) -> int:
        return int(self.report.get("test_cases", {}).get("generated", 0))

    @property
    def failures(self) -> int:
        """Failures and errors: anything but a clean run."""
        return len(self.report.get("failures", [])) + len(self.report.get("errors", []))

    @property
    def warnings(self) -> dict[str, Any]:
        return {name: found for name, found in self.report.get("warnings", {}).items() if found}


def _toml(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers, booleans and arrays are TOML too


def config(*, seed: int, examples: int, workers: int, reports: Path, api_key: str) -> str:
    """The schemathesis.toml of a run; `api_key`: the key every request carries."""
    skus = [product["sku"] for product in json.loads(CATALOG.read_text())]
    return "\n".join(
        [
            f"seed = {seed}",
            f"workers = {workers}",
            f'hooks = "{__package__}.hooks"',
            "",
            "[generation]",
            f"max-examples = {examples}",
            'database = "none"  # nothing kept between runs: the seed alone reproduces one',
            "",
            "[auth.openapi.apiKey]  # the document's scheme: x-api-key",
            f"api_key = {_toml(api_key)}",
            "",
            "[cache]",
            "enabled = false",
            "",
            "[reports]",
            f"directory = {_toml(str(reports))}",
            "json.enabled = true",
            f"json.path = {_toml(str(reports / 'report.json'))}",
            "ndjson.enabled = true",
            f"ndjson.path = {_toml(str(reports / 'events.ndjson'))}",
            "",
            "[dictionaries.catalog]",
            f"values = {_toml(skus)}",
            "",
            '[parameters."body.items[*].sku"]',
            'dictionary = "catalog"',
            "probability = 0.5",
            "",
            "[[operations]]",
            'include-path = "/orders"',
            'include-method = "POST"',
            f"checks.positive_data_acceptance.expected-statuses = {_toml([*POSITIVE_STATUSES, '422'])}",
            "",
        ]
    )


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec(SCHEMATHESIS) is not None


def run(
    api_url: str,
    *,
    api_key: str,
    seed: int,
    examples: int,
    workdir: Path,
    workers: int = 2,
    echo: bool = False,
) -> Outcome:
    """Fuzz the API at `api_url` with `api_key`; reports and config go to `workdir`. `echo`: print
    as it runs."""
    reports = workdir / "reports"
    config_file = workdir / "schemathesis.toml"
    config_file.write_text(
        config(seed=seed, examples=examples, workers=workers, reports=reports, api_key=api_key)
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config_file),
        "run",
        str(DOCUMENT),
        "--url",
        api_url,
        "--checks",
        "all",
        "--no-color",
    ]
    started = time.monotonic()
    lines: list[str] = []
    with subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if echo:
                print(line, end="", flush=True)
    seconds = time.monotonic() - started
    report_file = reports / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return Outcome(
        process.returncode, seconds, "".join(lines), report, statuses_seen(reports / "events.ndjson")
    )


def statuses_seen(events: Path) -> dict[str, Counter[int]]:
    """Per operation and method sent ("POST /orders", "TRACE /orders"), how many responses of each
    status the run received."""
    seen: dict[str, Counter[int]] = {}
    if not events.exists():
        return seen
    for line in events.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if not finished:
            continue
        cases = finished["recorder"].get("cases", {})
        for case_id, interaction in finished["recorder"].get("interactions", {}).items():
            response = interaction.get("response") or {}
            if "status_code" not in response or case_id not in cases:
                continue
            label = f"{interaction['request']['method']} {cases[case_id]['value']['path']}"
            seen.setdefault(label, Counter())[int(response["status_code"])] += 1
    return seen


def main(argv: list[str] | None = None) -> int:
    from services.local.settings import Options
    from services.local.stack import LocalStack

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--examples", type=int, default=1000, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    args = parser.parse_args(argv)
    seed = random.randrange(2**32) if args.seed is None else args.seed
    print(
        f"contract fuzzing {DOCUMENT.relative_to(REPO_ROOT)}: seed {seed}, {args.examples} examples",
        flush=True,
    )
    workdir = REPO_ROOT / ".local" / "contract" / f"seed-{seed}"  # the reports stay, to dig in
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orderflow-contract-") as tmp:
        options = Options(api_port=0, aws_port=0, state_dir=Path(tmp), quiet=True)
        with LocalStack(options) as stack:
            outcome = run(
                stack.api_url,
                api_key=stack.options.api_key,
                seed=seed,
                examples=args.examples,
                workdir=workdir,
                echo=True,
            )
    for label, counts in sorted(outcome.statuses.items()):
        print(f"{label}: " + ", ".join(f"{status} x{n}" for status, n in sorted(counts.items())))
    print(
        f"{outcome.generated} test cases, {outcome.failures} failures in {outcome.seconds:.0f}s "
        f"(seed {seed}; again: python -m tests.contract.fuzz --examples {args.examples} --seed {seed}); "
        f"reports in {workdir.relative_to(REPO_ROOT)}"
    )
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
