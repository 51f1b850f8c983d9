"""Print a function's Lambda environment as the local stack provisions it (KEY=VALUE lines).

Used by `make run-image` to point an image at the local stack's emulator:

    python -m services.local.images.lambda_env invoice [--prefix orderflow-local] [--region us-east-1]
"""

from __future__ import annotations

import argparse
import sys

from services.local.emulator.provision import Stack
from services.shared.topology import load_topology


def environment(function_name: str, prefix: str, region: str, account_id: str) -> dict[str, str]:
    topology = load_topology()
    function = topology.function(function_name)
    stack = Stack(
        prefix=prefix,
        topic_arn=f"arn:aws:sns:{region}:{account_id}:{prefix}-{topology.topic}",
        tables={table.name: f"{prefix}-{table.name}" for table in topology.tables},
    )
    env = stack.environment(function)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout_seconds),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "ORDERFLOW_HANDLER": function.handler,
        }
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", help="a function name from services/topology.json, e.g. order-api")
    parser.add_argument("--prefix", default="orderflow-local")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--account-id", default="123456789012")
    args = parser.parse_args()
    try:
        env = environment(args.function, args.prefix, args.region, args.account_id)
    except KeyError:
        names = ", ".join(f.name for f in load_topology().functions)
        print(f"unknown function {args.function!r}; the topology has: {names}", file=sys.stderr)
        return 2
    for key, value in env.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
