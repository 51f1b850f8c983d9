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
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--emails-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class KeepAlive(MotoRequestHandler):
        # moto's server answers HTTP/1.0 and closes every connection; keeping them open spares
        # each call a TCP handshake and a new server thread.
        protocol_version = "HTTP/1.1"

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
            # DynamoDB_20120810.* and DynamoDBStreams_20120810.*
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
                with self.dynamodb:
                    return list(super().__call__(environ, start_response))
            return super().__call__(environ, start_response)

    from services.local.emulator import corrections, speedups

    corrections.apply()
    speedups.apply()
    reject_unverified_recipients()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Dispatcher(create_backend_app)
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=KeepAlive)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    port = server.server_address[1]
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    args.emails_dir.mkdir(parents=True, exist_ok=True)
    mailbox = threading.Thread(target=_mailbox, args=(args.emails_dir, stopping), daemon=True)
    mailbox.start()
    _announce({"listening": f"http://127.0.0.1:{port}"})
    stopping.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
