"""What (emulated) SES sent, as .eml files. It reads moto's SES backend directly (as
corrections.py and speedups.py patch its DynamoDB, streams and SQS), so it runs only in the
emulator's own process (emulator/server.py)."""

from __future__ import annotations

import email.message
import email.utils
import re
from collections.abc import Callable
from typing import Any

from services.local.settings import ACCOUNT_ID, REGION, REJECTED_RECIPIENT_DOMAIN

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


def reject_unverified_recipients() -> Callable[[], None]:
    """Make moto's SES refuse any recipient at REJECTED_RECIPIENT_DOMAIN as a sandboxed account
    refuses an unverified one: MessageRejected, nothing sent. The function returned undoes it."""
    from moto.ses.exceptions import MessageRejectedError
    from moto.ses.models import SESBackend

    original = SESBackend.send_email

    def send_email(self: Any, source: str, subject: str, body: str, destinations: dict[str, Any]) -> Any:
        for address in (a for addresses in destinations.values() for a in addresses):
            if address.lower().endswith("@" + REJECTED_RECIPIENT_DOMAIN):
                self.rejected_messages_count += 1
                raise MessageRejectedError(
                    "Email address is not verified. The following identities failed the check in "
                    f"region {self.region_name.upper()}: {address}"
                )
        return original(self, source, subject, body, destinations)

    name = "send_email"  # replaced on the class, as speedups.py does: a method assignment to mypy
    setattr(SESBackend, name, send_email)

    def undo() -> None:
        setattr(SESBackend, name, original)

    return undo
