"""The emulator's own process: moto's server on loopback, and the SES mailbox beside it.

    python -m services.local.emulator.server --port 4566 --emails-dir .local/emails

moto keeps its state in the process that serves it; running it apart from the stack gives it a
core of its own (the stack's pollers and gateway no longer share its interpreter lock) and leaves
no state behind in the stack's process. It prints one JSON line when it listens
(`{"listening": "http://127.0.0.1:PORT"}`) and one per email it writes out
(`{"email": {"subject", "path", "order_id"}}`), and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from services.local.emulator.mailbox import as_eml, order_id_of, reject_unverified_recipients, sent_messages


def _announce(document: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def _mailbox(directory: Path, stopping: threading.Event) -> None:
    written = 0
    while not stopping.wait(0.3):
        for message in sent_messages()[written:]:
            written += 1
            path = directory / f"{written:04d}.eml"
            path.write_bytes(as_eml(message))
            _announce(
                {
                    "email": {
                        "subject": str(message.subject),
                        "path": str(path),
                        "order_id": order_id_of(message),
                    }
                }
            )


class OperationMeter:
    """Calls and CPU seconds per operation (`dynamodb:GetItem`), measured in the serving thread:
    where the emulator's time goes (the bench's pipeline section reads it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._figures: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def measuring(self, environ: dict[str, Any]) -> Iterator[None]:
        operation = self._operation(environ)
        started = time.thread_time()
        try:
            yield
        finally:
            spent = time.thread_time() - started
            with self._lock:
                figures = self._figures.setdefault(operation, [0, 0.0])
                figures[0] += 1
                figures[1] += spent

    @staticmethod
    def _operation(environ: dict[str, Any]) -> str:
        target = environ.get("HTTP_X_AMZ_TARGET", "")  # JSON protocols: DynamoDB, streams, SQS
        if target:
            service, _, action = target.partition(".")
            return f"{service.split('_')[0].lower()}:{action}"
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))  # query: SNS, SES
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]
        service = environ.get("HTTP_AUTHORIZATION", "").split("/")[3:4] or ["?"]
        return f"{service[0]}:{action}"

    def write(self) -> None:
        with self._lock:
            figures = {
                name: {"calls": calls, "cpu_seconds": round(seconds, 4)}
                for name, (calls, seconds) in self._figures.items()
            }
        partial = self._path.with_suffix(".partial")
        partial.write_text(json.dumps(figures, indent=1, sort_keys=True))
        partial.replace(self._path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--emails-dir", type=Path, required=True)
    parser.add_argument(
        "--meter", type=Path, help="count each operation's calls and CPU time; written here on SIGUSR1"
    )
    args = parser.parse_args(argv)
    meter = OperationMeter(args.meter) if args.meter else None

    import waitress
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        """moto behind two changes:
        - it finds the backend of every request by listing its package directory and trying
          hundreds of URL patterns, under a lock; the answer for a host never changes: cached;
        - its DynamoDB checks a condition and then writes, without a lock, so two concurrent
          conditional writes or transactions can both succeed; DynamoDB itself applies each
          atomically. DynamoDB calls, and the stream reads with them (a GetRecords must never
          see half a transaction), are served one at a time (nothing in them waits)."""

        known: dict[str | None, object] = {}  # noqa: RUF012
        dynamodb = threading.Lock()

        def get_backend_for_host(self, host: str | None) -> object:
            if host not in self.known:
                self.known[host] = super().get_backend_for_host(host)
            return self.known[host]

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            if meter is None:
                return self._serve(environ, start_response)
            with meter.measuring(environ):
                return self._serve(environ, start_response)

        def _serve(self, environ: dict[str, Any], start_response: Any) -> Any:
            # DynamoDB_20120810.* and DynamoDBStreams_20120810.*
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
                with self.dynamodb:
                    return list(super().__call__(environ, start_response))
            return list(super().__call__(environ, start_response))

    from services.local.emulator import corrections, speedups

    corrections.apply()
    speedups.apply()
    reject_unverified_recipients()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Dispatcher(create_backend_app)
    # moto's own server (werkzeug's) closes every connection, and after each response waits 10 ms
    # for a request body it may have left unread: each call paid a TCP handshake, a new thread
    # and that wait. waitress keeps connections open and serves them from a pool of threads
    # (enough for every long poll of the SQS pollers at once).
    server = waitress.create_server(
        app, host="127.0.0.1", port=args.port, threads=48, connection_limit=1000, ident="moto"
    )
    threading.Thread(target=server.run, name="moto", daemon=True).start()
    port = server.effective_port
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    if meter is not None:
        signal.signal(signal.SIGUSR1, lambda *_: meter.write())
    args.emails_dir.mkdir(parents=True, exist_ok=True)
    mailbox = threading.Thread(target=_mailbox, args=(args.emails_dir, stopping), daemon=True)
    mailbox.start()
    _announce({"listening": f"http://127.0.0.1:{port}"})
    stopping.wait()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
