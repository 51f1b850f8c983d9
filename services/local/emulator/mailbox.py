"""What (emulated) SES sent, written out as .eml files. The only code that reads moto's internals."""

from __future__ import annotations

import email.message
import email.utils
import re
import threading
from pathlib import Path
from typing import Any

from services.local.bus import Bus, EmailWritten
from services.local.settings import ACCOUNT_ID, REGION

_ORDER_ID = re.compile(r"ord_[0-9a-f]{32}")


def sent_messages() -> list[Any]:
    """Every message moto's SES kept, oldest first."""
    from moto.backends import get_backend

    return list(get_backend("ses")[ACCOUNT_ID][REGION].sent_messages)


def as_eml(message: Any) -> bytes:
    """moto keeps one body per message: the HTML part when there is one."""
    eml = email.message.EmailMessage()
    eml["From"] = message.source
    eml["To"] = ", ".join(message.destinations.get("ToAddresses", []))
    eml["Subject"] = message.subject
    eml["Date"] = email.utils.formatdate(localtime=False)
    eml["Message-ID"] = f"<{message.id}@orderflow.local>"
    body = str(message.body)
    eml.set_content(body, subtype="html" if body.lstrip().startswith("<") else "plain")
    return bytes(eml)


def order_id_of(message: Any) -> str | None:
    found = _ORDER_ID.search(str(message.body))
    return found.group(0) if found else None


class Mailbox:
    """Polls moto's SES for new messages; writes each as NNNN.eml and announces it."""

    def __init__(self, directory: Path, bus: Bus) -> None:
        self.directory = directory
        self._bus = bus
        self._written = 0

    def run(self, stopping: threading.Event) -> None:
        while not stopping.wait(0.3):
            self.collect()

    def collect(self) -> None:
        for message in sent_messages()[self._written :]:
            self._written += 1
            path = self.directory / f"{self._written:04d}.eml"
            path.write_bytes(as_eml(message))
            self._bus.publish(EmailWritten(str(message.subject), str(path), order_id_of(message)))
