"""The fast variant of `make chaos`: 20 orders through the three profiles that tell the most (an
SNS outage, killed processes, a frozen emulator), each checked for what production guarantees.
`make chaos` runs every profile with 100 orders and a random seed."""

from __future__ import annotations

import pytest

from services.local.chaos.profiles import FAST, PROFILES
from services.local.chaos.report import table
from services.local.chaos.runner import run

pytestmark = pytest.mark.e2e

SEED = 20261129


@pytest.mark.parametrize("name", FAST)
def test_the_stack_keeps_its_promises_under(name: str) -> None:
    outcome = run(PROFILES[name], orders=20, seed=SEED)
    print("\n" + table([outcome]))
    assert outcome.placed == outcome.stored == 20
    assert outcome.stuck == 0
    assert outcome.faults_injected + outcome.kills > 0, "the profile injected nothing"
    assert outcome.violations == []
