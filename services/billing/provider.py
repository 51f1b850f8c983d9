"""The PaymentProvider port and a simulated card processor behind it.

The simulation behaves like a card processor's test tokens:
- `tok_visa`, `tok_mastercard`, `tok_amex`: approved
- `tok_chargeDeclined`: declined, `card_declined`
- `tok_chargeDeclinedInsufficientFunds`: declined, `insufficient_funds`
- `tok_processingError`: the provider fails transiently (nothing is charged)
- anything else: declined, `invalid_token`
Like a real processor it deduplicates on the idempotency key: the same key
returns the first result and never charges twice.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Protocol

from services.billing.domain import ChargeRequest, ChargeResult, TransientPaymentError

APPROVED_TOKENS = frozenset({"tok_visa", "tok_mastercard", "tok_amex"})
DECLINED_TOKENS = {
    "tok_chargeDeclined": "card_declined",
    "tok_chargeDeclinedInsufficientFunds": "insufficient_funds",
}
TRANSIENT_TOKENS = frozenset({"tok_processingError"})


class PaymentProvider(Protocol):
    def charge(self, request: ChargeRequest) -> ChargeResult: ...


class SimulatedPaymentProvider:
    def __init__(self) -> None:
        self._results: dict[str, ChargeResult] = {}
        self._lock = threading.Lock()
        self.charges: list[ChargeRequest] = []  # approved charges, for inspection

    def charge(self, request: ChargeRequest) -> ChargeResult:
        with self._lock:
            known = self._results.get(request.idempotency_key)
            if known is not None:
                return known
            if request.token in TRANSIENT_TOKENS:
                raise TransientPaymentError("payment provider processing error; retry later")
            if request.token in APPROVED_TOKENS:
                digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()
                result = ChargeResult(approved=True, reference=f"ch_{digest[:24]}")
                self.charges.append(request)
            else:
                reason = DECLINED_TOKENS.get(request.token, "invalid_token")
                result = ChargeResult(approved=False, decline_reason=reason)
            self._results[request.idempotency_key] = result
            return result
