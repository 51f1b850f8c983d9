"""A simulated card processor behind the PaymentProvider port (services/billing/service.py).

It behaves like a processor's test mode, and keeps its ledger in a DynamoDB table of its own
(PAYMENT_PROVIDER_TABLE), the way a processor keeps state on its side: every authorisation,
capture and void is one ledger entry, written once per idempotency key.

Test tokens:
- `tok_visa`, `tok_mastercard`, `tok_amex`: approved
- `tok_chargeDeclined`: declined, `card_declined`
- `tok_chargeDeclinedInsufficientFunds`: declined, `insufficient_funds`
- `tok_processingError`: the provider fails transiently (nothing is held)
- anything else: declined, `invalid_token`

An authorisation lasts `authorization_ttl_seconds` (7 days by default); capturing it later fails
with `authorization_expired`. `failure_rate` makes that share of calls fail transiently, half of
them after the ledger entry was written (the answer is lost on the way back), reproducibly from
`seed`: how a real processor's faults look to the caller.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.billing.domain import (
    AuthorizationExpired,
    AuthorizationRequest,
    AuthorizationResult,
    SettlementRefused,
    SettlementRequest,
    TransientPaymentError,
)
from services.shared import dynamo
from services.shared.simulation import FaultDice

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

APPROVED_TOKENS = frozenset({"tok_visa", "tok_mastercard", "tok_amex"})
DECLINED_TOKENS = {
    "tok_chargeDeclined": "card_declined",
    "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
}
TRANSIENT_TOKENS = frozenset({"tok_processingError"})
DEFAULT_AUTHORIZATION_TTL_SECONDS = 7 * 24 * 3600


def reference(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class SimulatedPaymentProvider:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        authorization_ttl_seconds: int = DEFAULT_AUTHORIZATION_TTL_SECONDS,
        failure_rate: float = 0.0,
        seed: str = "",
    ) -> None:
        self._client = client
        self._table = table
        self._ttl = authorization_ttl_seconds
        self._dice = FaultDice(failure_rate, seed)

    # -- the port -------------------------------------------------------------------
    def authorize(self, request: AuthorizationRequest) -> AuthorizationResult:
        self._fault(request.idempotency_key, before=True)
        ref = reference("auth", request.idempotency_key)
        entry = self._entry(ref)
        if entry is None:
            if request.token in TRANSIENT_TOKENS:
                raise TransientPaymentError("payment provider processing error; retry later")
            approved = request.token in APPROVED_TOKENS
            entry = self._write(
                {
                    "key": ref,
                    "kind": "authorization",
                    "order_id": request.order_id,
                    "idempotency_key": request.idempotency_key,
                    "amount": request.amount,
                    "currency": request.currency,
                    "approved": approved,
                    "decline_reason": None
                    if approved
                    else DECLINED_TOKENS.get(request.token, "invalid_token"),
                    "state": "open" if approved else "declined",
                    "created_at": int(time.time()),
                    "expires_at": int(time.time()) + self._ttl,
                }
            )
        self._fault(request.idempotency_key, before=False)
        if not entry["approved"]:
            return AuthorizationResult(approved=False, decline_reason=entry["decline_reason"])
        return AuthorizationResult(approved=True, reference=ref)

    def capture(self, request: SettlementRequest) -> str:
        return self._settle(request, kind="capture", prefix="cap", state="captured")

    def void(self, request: SettlementRequest) -> str:
        return self._settle(request, kind="void", prefix="void", state="voided")

    # -- the ledger ------------------------------------------------------------------------
    def _settle(self, request: SettlementRequest, *, kind: str, prefix: str, state: str) -> str:
        self._fault(request.idempotency_key, before=True)
        ref = reference(prefix, request.idempotency_key)
        if self._entry(ref) is None:
            authorization = self._entry(request.authorization)
            if authorization is None or not authorization["approved"]:
                raise SettlementRefused(f"no open authorisation {request.authorization}")
            if authorization["state"] != "open":
                raise SettlementRefused(
                    f"authorisation {request.authorization} is already {authorization['state']}"
                )
            if kind == "capture" and int(authorization["expires_at"]) <= time.time():
                raise AuthorizationExpired("authorization_expired")
            self._transition(request, ref, kind=kind, state=state)
        self._fault(request.idempotency_key, before=False)
        return ref

    def _transition(self, request: SettlementRequest, ref: str, *, kind: str, state: str) -> None:
        """Close the authorisation and write the settlement entry, atomically."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"key": {"S": request.authorization}},
                            "UpdateExpression": "SET #s = :new",
                            "ConditionExpression": "#s = :open",
                            "ExpressionAttributeNames": {"#s": "state"},
                            "ExpressionAttributeValues": {":new": {"S": state}, ":open": {"S": "open"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": dynamo.to_item(
                                {
                                    "key": ref,
                                    "kind": kind,
                                    "order_id": request.order_id,
                                    "idempotency_key": request.idempotency_key,
                                    "authorization": request.authorization,
                                    "amount": request.amount,
                                    "currency": request.currency,
                                    "created_at": int(time.time()),
                                }
                            ),
                            "ConditionExpression": "attribute_not_exists(#k)",
                            "ExpressionAttributeNames": {"#k": "key"},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            if self._entry(ref) is None:  # not our own earlier write: the hold went the other way
                authorization = self._entry(request.authorization) or {}
                raise SettlementRefused(
                    f"authorisation {request.authorization} is already {authorization.get('state')}"
                ) from None

    def _entry(self, key: str) -> dict[str, Any] | None:
        return dynamo.get(self._client, self._table, {"key": key})

    def _write(self, entry: dict[str, Any]) -> dict[str, Any]:
        try:
            dynamo.put_new(self._client, self._table, "key", entry)
            return entry
        except dynamo.AlreadyExists:
            stored = self._entry(entry["key"])
            if stored is None:
                raise RuntimeError(f"ledger entry {entry['key']} vanished") from None
            return stored

    def _fault(self, idempotency_key: str, *, before: bool) -> None:
        if self._dice.fails(idempotency_key, before=before):
            raise TransientPaymentError("payment provider timed out (simulated)")
