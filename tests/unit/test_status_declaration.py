"""A status is declared once: services/topology.json (its step, whether the order's status becomes
it, its business metric), beside its event contract in services/shared/events.py. Everything else
(the order's saga steps, the projector's metrics, the metric names on the dashboard and alarms in
Terraform) is derived. The proof: a copy of the project in which a status is added by editing those
two files only behaves as if the status had always been there."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from services.shared.events import EVENT_TYPES, Status
from services.shared.topology import load_topology

REPO = Path(__file__).resolve().parents[2]
TOPOLOGY = load_topology()

NEW_STATUS = "ORDER_HELD"
EVENTS_EDITS = [
    (
        '    PAYMENT_CAPTURE_FAILED = "PAYMENT_CAPTURE_FAILED"\n',
        f'    PAYMENT_CAPTURE_FAILED = "PAYMENT_CAPTURE_FAILED"\n    {NEW_STATUS} = "{NEW_STATUS}"\n',
    ),
    (
        "DataT = TypeVar(",
        "class OrderHeldData(Contract):\n    reason: str\n\n\nDataT = TypeVar(",
    ),
    (
        "\nEVENT_TYPES: dict[Status, type[Envelope[Any]]] = {\n",
        f"\nclass OrderHeld(Envelope[OrderHeldData]):\n"
        f"    status: Literal[Status.{NEW_STATUS}] = Status.{NEW_STATUS}\n\n\n"
        f"EVENT_TYPES: dict[Status, type[Envelope[Any]]] = {{\n    Status.{NEW_STATUS}: OrderHeld,\n",
    ),
    ("    | PaymentCaptureFailed,\n", "    | PaymentCaptureFailed\n    | OrderHeld,\n"),
]

CHECK = f"""
import json
from services.order.domain.order import Order, Progress, Deadlines, steps
from services.shared.events import EVENT_TYPES, Status, parse_event
from services.shared.observability import business_metrics
from services.shared.topology import load_topology

topology = load_topology()
assert steps()["{NEW_STATUS}"] == 5, steps()
assert topology.status_metrics["{NEW_STATUS}"] == "OrdersHeld"
assert "OrdersHeld" in business_metrics()
assert set(topology.statuses) == {{s.value for s in Status}} == {{s.value for s in EVENT_TYPES}}
event = parse_event(json.dumps({{
    "event_id": "e1", "status": "{NEW_STATUS}", "version": 1, "occurred_at": "2026-12-01T10:00:00Z",
    "order_id": "ord_1", "correlation_id": "c1", "data": {{"reason": "fraud review"}},
}}))
assert type(event).__name__ == "OrderHeld"
print("derived")
"""


def _check(tree: Path) -> subprocess.CompletedProcess[str]:
    """CHECK run in a fresh interpreter on the copy of the project at `tree`."""
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_each_status_is_declared_once_with_its_contract() -> None:
    assert set(TOPOLOGY.statuses) == {s.value for s in Status} == {s.value for s in EVENT_TYPES}


def test_no_status_metric_name_is_written_in_terraform() -> None:
    """Terraform reads the metric names from topology.json, so none is written in an .tf file."""
    terraform = "\n".join(path.read_text() for path in (REPO / "terraform").rglob("*.tf"))
    written = {name for name in TOPOLOGY.status_metrics.values() if re.search(rf'"{name}"', terraform)}
    assert written == set()


def test_no_python_module_lists_the_statuses() -> None:
    """Outside the contract (events.py), no module assigns a status name to a constant."""
    declared = "|".join(TOPOLOGY.statuses)
    constant = re.compile(rf'^\s*[A-Z_]+\s*(?::[^=]+)?=\s*"({declared})"', re.M)
    listing = {
        str(path.relative_to(REPO))
        for path in (REPO / "services").rglob("*.py")
        if path.name != "events.py" and constant.search(path.read_text())
    }
    assert listing == set()


def test_adding_a_status_takes_the_declaration_and_the_contract_only(tmp_path: Path) -> None:
    for package in ("services",):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    topology_file = tmp_path / "services" / "topology.json"
    raw = json.loads(topology_file.read_text())
    raw["statuses"][NEW_STATUS] = {
        "step": 5,
        "sets_order_status": False,
        "metric": {"name": "OrdersHeld", "group": "orders and payments"},
    }
    topology_file.write_text(json.dumps(raw, indent=2))
    events_file = tmp_path / "services" / "shared" / "events.py"
    events = events_file.read_text()
    for old, new in EVENTS_EDITS:
        assert old in events, old
        events = events.replace(old, new, 1)
    events_file.write_text(events)

    result = _check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "derived"


def test_the_copy_is_what_is_checked(tmp_path: Path) -> None:
    """Without the edits the copy has no such status: the check above is not vacuous."""
    shutil.copytree(REPO / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "KeyError" in result.stderr or "AssertionError" in result.stderr


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ("consumes", "functions.invoice.consumes.statuses: ORDER_CREATD"),
        ("deadline", "deadlines_seconds.SHIPPD"),
        ("unknown key", "rank"),
        ("wrong type", "functions.invoice.timeout_seconds"),
    ],
)
def test_the_declaration_refuses_what_refers_to_nothing(broken: str, named: str) -> None:
    from pydantic import ValidationError

    from services.shared.topology import TOPOLOGY_FILE, parse_topology

    raw = json.loads(TOPOLOGY_FILE.read_text())
    if broken == "consumes":
        raw["functions"]["invoice"]["consumes"]["statuses"] = ["ORDER_CREATD"]
    elif broken == "deadline":
        raw["deadlines_seconds"]["SHIPPD"] = 60
    elif broken == "unknown key":
        raw["statuses"]["SHIPPED"]["rank"] = 3
    else:
        raw["functions"]["invoice"]["timeout_seconds"] = "thirty"
    with pytest.raises(ValidationError, match=re.escape(named)):
        parse_topology(raw)
