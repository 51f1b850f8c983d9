"""`make run` (python -m services.local): start the local stack until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from services.local.ports import PortTaken
from services.local.settings import API_PORT_ENV, AWS_PORT_ENV, STATE_DIR_ENV, Options, state_dir
from services.local.stack import LocalStack
from services.local.tools.scenarios import SAMPLE_FILE
from services.shared.settings import ConfigurationError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description="Run orderflow locally on loopback.")
    parser.add_argument(
        "--api-port", type=int, default=int(os.environ.get(API_PORT_ENV, 3000)), help=f"(or {API_PORT_ENV})"
    )
    parser.add_argument(
        "--aws-port", type=int, default=int(os.environ.get(AWS_PORT_ENV, 4566)), help=f"(or {AWS_PORT_ENV})"
    )
    parser.add_argument(
        "--retry-delay",
        type=float,
        default=Options.retry_delay_seconds,
        help="seconds before a failed message is visible again, doubled on each further receive "
        "(AWS: the visibility timeout)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help=f"where logs, emails and stack.json go (default: ${STATE_DIR_ENV}, else .local/)",
    )
    parser.add_argument(
        "--log-level",
        default=Options.log_level,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="the functions' log level (default DEBUG: every record's line; AWS runs INFO)",
    )
    parser.add_argument(
        "--no-reload",
        action="store_true",
        help="do not restart a function's processes when its code under services/ changes",
    )
    args = parser.parse_args(argv)
    try:
        options = Options(
            api_port=args.api_port,
            aws_port=args.aws_port,
            retry_delay_seconds=args.retry_delay,
            state_dir=args.state_dir or state_dir(),
            reload=not args.no_reload,
            log_level=args.log_level,
        )
    except ConfigurationError as error:  # e.g. a LOCAL_API_KEY API Gateway would not take
        print(f"error: {error}", file=sys.stderr)
        return 2
    stack = LocalStack(options)
    # Ctrl-C raises KeyboardInterrupt; SIGTERM is made to do the same. (A handler that sets
    # an Event the main thread is waiting on can deadlock on the Event's own lock.) Both from the
    # start: a signal that arrives while the stack starts still stops what has started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        try:
            stack.start()
        except PortTaken as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except Exception:
            stack.stop()
            raise
        sample = os.path.relpath(SAMPLE_FILE)
        print(
            f"Try: curl -s -X POST {stack.api_url}/orders -H 'x-api-key: {options.api_key}' "
            f"-H 'Content-Type: application/json' -d @{sample}",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    print("\nStopping…", flush=True)
    stack.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
