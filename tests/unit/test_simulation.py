"""The simulated partners' fault dice: reproducible from a seed, and a bounded memory."""

from __future__ import annotations

import pytest

from services.shared import simulation
from services.shared.simulation import FaultDice


def outcomes(dice: FaultDice, keys: list[str]) -> list[tuple[bool, bool]]:
    return [(dice.fails(k, before=True), dice.fails(k, before=False)) for k in keys]


def test_the_same_seed_fails_the_same_calls() -> None:
    keys = [f"order-{n % 7}" for n in range(200)]
    first = outcomes(FaultDice(0.5, "seed"), keys)
    assert first == outcomes(FaultDice(0.5, "seed"), keys)
    assert first != outcomes(FaultDice(0.5, "other"), keys)
    assert any(before for before, _ in first)
    assert any(after for _, after in first)


def test_a_retried_call_draws_again() -> None:
    """Each call of a key is counted: a key that failed can succeed on a later attempt."""
    dice = FaultDice(0.5, "seed")
    assert len({outcomes(dice, ["k"])[0] for _ in range(50)}) > 1


def test_no_fault_without_a_rate() -> None:
    assert outcomes(FaultDice(0.0, "seed"), ["a", "b"]) == [(False, False)] * 2


def test_a_warm_container_remembers_a_bounded_number_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "REMEMBERED_KEYS", 5)
    dice = FaultDice(0.5, "seed")
    outcomes(dice, [f"order-{n}" for n in range(100)])
    assert len(dice._calls) == 5
    assert list(dice._calls) == [f"order-{n}" for n in range(95, 100)]


def test_each_execution_environment_draws_its_own_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two containers retrying the same key must not fail in lockstep: with the same draws, a
    message alternating between them ran out of its five attempts at 0.3^3, not 0.3^5."""
    keys = [f"order-{n % 7}" for n in range(200)]
    monkeypatch.setenv(simulation.SANDBOX_ENV, "0")
    first = outcomes(FaultDice(0.5, "seed"), keys)
    assert first == outcomes(FaultDice(0.5, "seed"), keys)
    monkeypatch.setenv(simulation.SANDBOX_ENV, "1")
    assert first != outcomes(FaultDice(0.5, "seed"), keys)
