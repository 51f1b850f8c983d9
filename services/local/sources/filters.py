"""Lambda event filtering (the event source mapping's FilterCriteria), for the patterns this
project declares: nested objects, lists of alternatives, `exists`, `prefix` and `anything-but`."""

from __future__ import annotations

from typing import Any

_MISSING = object()


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """True when `event` matches `pattern` (every key of the pattern must match)."""
    return all(
        _field(rule, event.get(name, _MISSING) if isinstance(event, dict) else _MISSING)
        for name, rule in pattern.items()
    )


def _field(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        return value is not _MISSING and isinstance(value, dict) and matches(rule, value)
    if isinstance(rule, list):
        return any(_alternative(option, value) for option in rule)
    raise ValueError(f"a filter rule is an object or a list, not {rule!r}")


def _alternative(option: Any, value: Any) -> bool:
    if isinstance(option, dict):
        ((operator, operand),) = option.items()
        if operator == "exists":
            return (value is not _MISSING) == bool(operand)
        if value is _MISSING:
            return False
        if operator == "prefix":
            return isinstance(value, str) and value.startswith(operand)
        if operator == "anything-but":
            excluded = operand if isinstance(operand, list) else [operand]
            return value not in excluded
        raise ValueError(f"unsupported filter operator {operator!r}")
    return value is not _MISSING and value == option
