"""What the simulated third parties (the payment provider, the carrier) share: faults that look
like a real partner's, reproducible from a seed."""

from __future__ import annotations

import os
import random
from collections import OrderedDict

# Which of a function's execution environments this process is (the local stack sets it): each
# draws its own faults, as each of a partner's callers sees its own. Without it two containers
# retrying the same key drew the same sequence, and a message ran out of retries far more often
# than the failure rate says.
SANDBOX_ENV = "ORDERFLOW_SANDBOX"

# Calls counted per key, for this many keys: a warm container keeps a bounded memory. A key
# forgotten (its order long settled) counts from 1 again, as it does in a fresh container.
REMEMBERED_KEYS = 10_000


class FaultDice:
    """Decides which calls fail: `rate` of them, half before the partner did the work and half
    after it (the answer lost on the way back), the same way for the same seed and call sequence."""

    def __init__(self, rate: float = 0.0, seed: str = "") -> None:
        self._rate = rate
        self._seed = f"{seed}:{os.environ.get(SANDBOX_ENV, '')}"
        self._calls: OrderedDict[str, int] = OrderedDict()

    def fails(self, key: str, *, before: bool) -> bool:
        """Call with before=True ahead of the work and before=False after it, once each per call."""
        if self._rate <= 0:
            return False
        if before:
            self._calls[key] = self._calls.get(key, 0) + 1
            self._calls.move_to_end(key)
            while len(self._calls) > REMEMBERED_KEYS:
                self._calls.popitem(last=False)
        draw = random.Random(f"{self._seed}:{key}:{self._calls.get(key, 0)}")
        fails, after_the_work = draw.random() < self._rate, draw.random() < 0.5
        return fails and after_the_work != before
