"""`make chaos`'s runner of profiles: which it starts first, from the last run's record."""

from __future__ import annotations

import json
from pathlib import Path

from services.local.chaos.__main__ import last_seconds


def test_the_last_runs_seconds_order_the_profiles_and_a_missing_or_bad_record_orders_none(
    tmp_path: Path,
) -> None:
    record = tmp_path / "chaos.json"
    assert last_seconds(record) == {}
    record.write_text(
        json.dumps({"profiles": [{"profile": "a", "seconds": 12.5}, {"profile": "b", "seconds": 90}]})
    )
    assert last_seconds(record) == {"a": 12.5, "b": 90.0}
    record.write_text("{not json")
    assert last_seconds(record) == {}
    record.write_text(json.dumps({"profiles": [{"name": "a"}]}))
    assert last_seconds(record) == {}
