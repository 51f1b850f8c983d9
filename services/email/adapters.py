"""SES implementation of the EmailSender port, and the DynamoDB record of notifications."""

from __future__ import annotations

import time
import uuid
from typing import Any

from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from services.email.domain import Claim, ClaimHeld, DeliveryUncertain, EmailRejected, Notification
from services.email.templates import Email
from services.shared import dynamo

# SES refuses these for good: sending again changes nothing.
PERMANENT = frozenset({"MessageRejected", "InvalidParameterValue", "MailFromDomainNotVerifiedException"})
# How long notifications are remembered: longer than any message can wait in a queue or a DLQ.
REMEMBER_SECONDS = 30 * 24 * 3600


class SesSender:
    """Built on a client that never retries by itself (see services/shared/aws.py): after a
    timeout SES may already have the message, and SES has no idempotency key."""

    def __init__(self, ses_client: Any, source: str, configuration_set: str | None = None) -> None:
        self._ses = ses_client
        self._source = source
        self._configuration_set = configuration_set

    def send(self, email: Email) -> str:
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
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
                Tags=[{"Name": name, "Value": value} for name, value in email.tags],
                **extra,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in PERMANENT:
                raise EmailRejected(f"{code}: {error.response['Error'].get('Message', '')}") from None
            raise  # throttled or unavailable: SES did not take it, so SQS retries it
        except (ReadTimeoutError, ConnectionClosedError) as error:
            raise DeliveryUncertain(f"{type(error).__name__}: SES may have the message") from None
        return str(response["MessageId"])


class DynamoNotifications:
    """One item per order and status: claimed ("sending"), then its outcome."""

    def __init__(self, client: Any, table: str, *, claim_expires_after: float) -> None:
        self._client = client
        self._table = table
        # A claim older than this was left by an attempt that stopped (a function never runs
        # longer than its timeout): its email may or may not have gone.
        self._stale_after = claim_expires_after

    def claim(self, key: str) -> Claim | Notification:
        claim = Claim(key, uuid.uuid4().hex)
        try:
            dynamo.persistently(
                lambda: dynamo.put_new(
                    self._client,
                    self._table,
                    "id",
                    {
                        "id": key,
                        "state": "sending",
                        "attempt": claim.attempt,
                        "claimed_at": int(time.time() * 1000),
                        "expiration": int(time.time()) + REMEMBER_SECONDS,
                    },
                )
            )
            return claim
        except dynamo.AlreadyExists:
            pass
        stored = dynamo.get(self._client, self._table, {"id": key}) or {}
        if stored.get("attempt") == claim.attempt:
            return claim  # our own put landed before a retry of it
        if stored.get("state") != "sending":
            return Notification(str(stored.get("state")), stored.get("message_id"), stored.get("reason"))
        if time.time() - int(stored.get("claimed_at", 0)) / 1000 < self._stale_after:
            raise ClaimHeld(f"{key} is being sent by another attempt")
        uncertain = Notification("uncertain", reason="an earlier attempt stopped after claiming it")
        self._record(Claim(key, str(stored.get("attempt"))), uncertain)
        return uncertain

    def finish(self, claim: Claim, notification: Notification) -> None:
        self._record(claim, notification)

    def release(self, claim: Claim) -> None:
        try:
            dynamo.persistently(
                lambda: self._client.delete_item(
                    TableName=self._table,
                    Key={"id": {"S": claim.key}},
                    ConditionExpression="attempt = :mine",
                    ExpressionAttributeValues={":mine": {"S": claim.attempt}},
                )
            )
        except ClientError as error:
            if not dynamo.is_conditional_failure(error):
                raise

    def _record(self, claim: Claim, notification: Notification) -> None:
        values = {":state": notification.outcome, ":mine": claim.attempt}
        sets = ["#state = :state"]
        for name in ("message_id", "reason"):
            value = getattr(notification, name)
            if value is not None:
                values[f":{name}"] = value
                sets.append(f"{name} = :{name}")
        try:
            dynamo.persistently(
                lambda: self._client.update_item(
                    TableName=self._table,
                    Key={"id": {"S": claim.key}},
                    UpdateExpression="SET " + ", ".join(sets),
                    ConditionExpression="attempt = :mine AND #state = :sending",
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues={
                        **{k: dynamo.to_value(v) for k, v in values.items()},
                        ":sending": {"S": "sending"},
                    },
                )
            )
        except ClientError as error:
            if not dynamo.is_conditional_failure(error):
                raise  # else: another attempt took it over as uncertain; the email went once
