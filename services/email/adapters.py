"""SES implementation of the EmailSender port."""

from __future__ import annotations

from typing import Any

from services.email.templates import Email


class SesSender:
    def __init__(self, ses_client: Any, source: str, configuration_set: str | None = None) -> None:
        self._ses = ses_client
        self._source = source
        self._configuration_set = configuration_set

    def send(self, email: Email) -> str:
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        response = self._ses.send_email(
            Source=self._source,
            Destination={"ToAddresses": [email.to]},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": email.text, "Charset": "UTF-8"},
                    "Html": {"Data": email.html, "Charset": "UTF-8"},
                },
            },
            **extra,
        )
        return str(response["MessageId"])
