"""Money is integer minor units plus an ISO-4217 currency. No floats anywhere."""

from __future__ import annotations

# Minor-unit exponents that differ from the usual 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def format_money(amount: int, currency: str) -> str:
    """`format_money(12345, "GBP")` -> `"GBP 123.45"`."""
    digits = exponent(currency)
    if digits == 0:
        return f"{currency} {amount:,}"
    major, minor = divmod(amount, 10**digits)
    return f"{currency} {major:,}.{minor:0{digits}d}"


def percent_of(amount: int, basis_points: int) -> int:
    """`amount * basis_points / 10_000`, rounded half up, in integers."""
    return (amount * basis_points + 5_000) // 10_000
