"""What the simulated third parties (the payment provider, the carrier) share: faults that look
like a real partner's, reproducible from a seed."""

from __future__ import annotations

import random
from collections import Counter


class FaultDice:
    """Decides which calls fail: `rate` of them, half before the partner did the work and half
    after it (the answer lost on the way back), the same way for the same seed and call sequence."""

    def __init__(self, rate: float = 0.0, seed: str = "") -> None:
        self._rate = rate
        self._seed = seed
        self._calls: Counter[str] = Counter()

    def fails(self, key: str, *, before: bool) -> bool:
        """Call with before=True ahead of the work and before=False after it, once each per call."""
        if self._rate <= 0:
            return False
        if before:
            self._calls[key] += 1
        draw = random.Random(f"{self._seed}:{key}:{self._calls[key]}")
        fails, after_the_work = draw.random() < self._rate, draw.random() < 0.5
        return fails and after_the_work != before
