"""The AWS emulator: moto's server on loopback, and boto3 clients for it."""

from __future__ import annotations

import logging
from typing import Any

import boto3

from services.local.settings import REGION


def client(endpoint: str, name: str, *, user_agent: str | None = None) -> Any:
    """A boto3 client for the local emulator (any credentials do)."""
    from botocore.config import Config

    session: Any = boto3.session.Session()
    return session.client(
        name,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(user_agent_extra=user_agent) if user_agent else None,
    )


class Emulator:
    """moto's threaded server in this process (its state is this process's moto backends)."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._server: Any = None
        self.endpoint = ""

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
