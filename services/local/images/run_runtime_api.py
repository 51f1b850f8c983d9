"""Run a Lambda runtime command against the project's own Runtime API server, behind the Invoke
endpoint aws-lambda-rie serves. `make run-image` uses it when aws-lambda-rie is not installed:

    python -m services.local.images.run_runtime_api --function invoice --port 9000 [--timeout 30]
        [--memory 256]
        [--bind 127.0.0.1] [--advertise HOST] -- docker run ... -e AWS_LAMBDA_RUNTIME_API ... IMAGE HANDLER

The command (the container, whose entrypoint is `python -m awslambdaric`) gets the Runtime API's
address and the function's Lambda variables in its environment (AWS_LAMBDA_RUNTIME_API,
AWS_LAMBDA_FUNCTION_NAME, ...); `docker run -e NAME` passes each through. Then
`POST http://127.0.0.1:PORT/2015-03-31/functions/function/invocations` invokes it (`make invoke`).
When the command exits it is started again, as Lambda starts a new sandbox, unless its handler
failed to load (every invoke then answers that error) or it keeps dying at once. Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

from services.local.runtime import RuntimeApiServer
from services.local.runtime.invoke_api import InvokeApi
from services.local.runtime.protocol import EXIT_ERROR_TYPE, error

QUICK_EXITS = 5  # this many exits, each within QUICK_SECONDS of its start: give up
QUICK_SECONDS = 5.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", required=True, help="the function's name (AWS_LAMBDA_FUNCTION_NAME)")
    parser.add_argument("--port", type=int, default=9000, help="where the Invoke endpoint listens")
    parser.add_argument("--timeout", type=float, default=30, help="the function's timeout, seconds")
    parser.add_argument("--memory", type=int, default=256, help="the function's memory, MB")
    parser.add_argument("--bind", default="127.0.0.1", help="the Runtime API's listening address")
    parser.add_argument("--advertise", default=None, help="the Runtime API's host as the runtime sees it")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the runtime command")
    args = parser.parse_args(argv)
    args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not args.command:
        parser.error("give the runtime command after --")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    api = RuntimeApiServer(args.function, host=args.bind, timeout_seconds=args.timeout, memory_mb=args.memory)
    api.start()
    invoke = InvokeApi(api, args.port)
    invoke.start()
    port = api.address.rsplit(":", 1)[1]
    env = {
        **os.environ,
        **api.runtime_environment(),
        "AWS_LAMBDA_RUNTIME_API": f"{args.advertise or args.bind}:{port}",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(args.timeout)),
    }
    stopping = threading.Event()
    child: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        stopping.set()
        for proc in child:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Runtime API server on {args.bind}:{port}; invoke: POST {invoke.url}", flush=True)
    quick = 0
    code = 0
    try:
        while not stopping.is_set():
            started = time.monotonic()
            api.invocations.reset()
            proc = subprocess.Popen(args.command, env=env, stdin=subprocess.DEVNULL)
            child[:] = [proc]
            if stopping.is_set():  # the signal came while it was starting
                proc.terminate()
            code = proc.wait()
            if stopping.is_set():
                break
            api.invocations.fail_inflight(error(EXIT_ERROR_TYPE, f"Runtime exited with status {code}"))
            if api.init_error is not None:
                print(f"the handler failed to load: {api.init_error.get('errorMessage')}", file=sys.stderr)
                print("every invoke answers that error until you stop this (Ctrl-C)", file=sys.stderr)
                stopping.wait()
                break
            quick = quick + 1 if time.monotonic() - started < QUICK_SECONDS else 0
            if quick >= QUICK_EXITS:
                print(f"the runtime exited {quick} times at once (status {code}): giving up", file=sys.stderr)
                return 1
            print(f"the runtime exited (status {code}); starting a new one", file=sys.stderr, flush=True)
            stopping.wait(0.5 * quick)
    finally:
        invoke.stop()
        api.stop()
    return 0 if stopping.is_set() else code


if __name__ == "__main__":
    sys.exit(main())
