"""`make chaos`: every fault profile (or those named), 100 orders each, one table row each.

    python -m services.local.chaos [--orders 100] [--seed N] [--profile NAME ...] [--jobs 2]
                                   [--out bench/chaos.json]

Exits 1 when any profile breaks a guarantee, and prints what broke.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from services.local.chaos.profiles import PROFILES
from services.local.chaos.report import table
from services.local.chaos.runner import Outcome, run
from services.local.settings import REPO_ROOT


def last_seconds(path: Path) -> dict[str, float]:
    """Each profile's seconds in the last run's record, when there is one."""
    try:
        return {p["profile"]: float(p["seconds"]) for p in json.loads(path.read_text())["profiles"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make chaos", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None, help="default: a random seed, printed")
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES), help="default: every profile")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "chaos.json")
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="profiles run at once, each on its own stack (default 2: much of a profile is waiting "
        "out retry delays and deadlines, not computing)",
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 10**6)
    names = args.profile or list(PROFILES)
    print(f"make chaos: {len(names)} profile(s), {args.orders} orders each, seed {seed}", flush=True)
    started = time.monotonic()

    def one(name: str) -> Outcome:
        outcome = run(PROFILES[name], orders=args.orders, seed=seed)
        print(f"  {name}: {'pass' if outcome.passed else 'FAIL'} in {outcome.seconds:.0f}s", flush=True)
        return outcome

    # The slowest of the last run first, so the last profile to start is a short one.
    last = last_seconds(args.out)
    by_length = sorted(names, key=lambda n: -last.get(n, 0.0))
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        done = dict(zip(by_length, pool.map(one, by_length), strict=True))
    outcomes = [done[name] for name in names]
    print()
    print(table(outcomes))
    for outcome in outcomes:
        for violation in outcome.violations[:20]:
            print(f"FAIL {outcome.profile}: {violation}")
        if outcome.flagged_reasons:
            print(f"flagged in {outcome.profile}: {'; '.join(outcome.flagged_reasons)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "seed": seed,
                "orders_per_profile": args.orders,
                "cpus": __import__("os").cpu_count(),
                "python": platform.python_version(),
                "seconds": round(time.monotonic() - started, 1),
                "jobs": args.jobs,
                "profiles": [dataclasses.asdict(o) | {"passed": o.passed} for o in outcomes],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\n{len(outcomes)} profile(s) in {time.monotonic() - started:.0f}s; wrote {args.out}")
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
