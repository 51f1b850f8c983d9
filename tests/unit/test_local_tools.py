"""The local loop's small parts, without a stack: log files, what an edit reloads, the preflight,
the console's failure lines and `orders logs --follow`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.local import preflight
from services.local.bus import Bus, MovedToDlq, RecordFailed, Reloaded, RuntimeExited
from services.local.console.text import TextConsole
from services.local.functions import logs
from services.local.functions.reload import Reloader, affected
from services.local.tools import cli

ROOT = Path(__file__).resolve().parents[2]
ORDER = "ord_3f2a9c1be0d94c6aa1b2c3d4e5f60718"


def line(at: str, message: str, **extra: Any) -> str:
    return json.dumps({"level": "INFO", "message": message, "timestamp": at, "service": "x", **extra})


FAILED = json.dumps(
    {
        "level": "ERROR",
        "message": "Record failed; SQS will retry it",
        "timestamp": "2026-01-01T10:00:01.000+00:00",
        "message_id": "m-1",
        "order_id": ORDER,
        "attempt": 2,
        "exception": "Traceback (most recent call last):\n  ...\nservices.billing.domain.X: boom",
        "exception_name": "TransientPaymentError",
        "stack_trace": {"type": "TransientPaymentError", "value": "provider down; retry later\nmore"},
    }
)


def test_a_failure_is_summed_up_in_one_line_from_its_stack_trace() -> None:
    record = json.loads(FAILED)
    assert logs.exception_summary(record) == "TransientPaymentError: provider down; retry later"
    del record["stack_trace"]
    assert logs.exception_summary(record) == "services.billing.domain.X: boom"
    assert logs.exception_summary({"message": "fine"}) is None


def test_failure_notes_find_the_reason_by_message_id_and_wait_for_a_whole_line(tmp_path: Path) -> None:
    log = tmp_path / "billing.log"
    log.write_text("START RequestId: not json\n" + FAILED[:40])
    notes = logs.FailureNotes(log)
    assert notes.reason("m-1") is None  # half a line is not read yet
    with log.open("a") as stream:
        stream.write(FAILED[40:] + "\n")
        stream.write(
            line("2026-01-01T10:00:02.000+00:00", "Unparseable message", message_id="m-2", level="ERROR")
        )
        stream.write("\n")
    assert notes.reason("m-1") == "TransientPaymentError: provider down; retry later"
    assert notes.reason("m-2") == "Unparseable message"
    assert notes.reason("m-3") is None


def test_lines_of_an_order_merge_every_function_in_time_order(tmp_path: Path) -> None:
    (tmp_path / "billing.log").write_text(
        FAILED + "\n" + line("2026-01-01T10:00:03.000+00:00", "late", order_id=ORDER) + "\n"
    )
    (tmp_path / "order-api.log").write_text(
        line("2026-01-01T10:00:00.500+00:00", "Order placed", correlation_id="c-1")
        + "\n"
        + line("2026-01-01T10:00:00.600+00:00", "someone else's", correlation_id="c-2")
        + "\n"
    )
    tails: dict[str, logs.Tail] = {}
    wanted = lambda r: r.get("order_id") == ORDER or r.get("correlation_id") == "c-1"  # noqa: E731
    found = logs.lines_of(tmp_path, tails, wanted)
    assert [(f.function, f.record["message"]) for f in found] == [
        ("order-api", "Order placed"),
        ("billing", "Record failed; SQS will retry it"),
        ("billing", "late"),
    ]
    rendered = logs.render(found[1])
    assert rendered.startswith("10:00:01.000 billing")
    assert "attempt=2" in rendered
    assert "TransientPaymentError: provider down; retry later" in rendered
    assert "\n" not in rendered
    assert logs.lines_of(tmp_path, tails, wanted) == []  # already read


def test_orders_logs_follow_prints_lines_as_they_arrive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "email.log"
    log.write_text(line("2026-01-01T10:00:00.000+00:00", "first", order_id=ORDER) + "\n")
    state = {"logs_dir": str(tmp_path)}
    monkeypatch.setattr(cli, "load_state", lambda: state)
    monkeypatch.setattr(cli, "_log_filter", lambda _s, _r: (ORDER, lambda r: r.get("order_id") == ORDER))
    sleeps = iter(
        [
            lambda: log.write_text(
                log.read_text() + line("2026-01-01T10:00:05.000+00:00", "second", order_id=ORDER) + "\n"
            ),
            None,
        ]
    )

    def sleep(_: float) -> None:
        step = next(sleeps)
        if step is None:
            raise KeyboardInterrupt  # Ctrl-C
        step()

    monkeypatch.setattr(cli.time, "sleep", sleep)
    assert cli.main(["logs", "3f2a9c1b", "--follow"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [o.split()[3] for o in out] == ["first", "second"]

    assert cli.main(["logs", "3f2a9c1b", "--json"]) == 0
    assert [json.loads(o)["message"] for o in capsys.readouterr().out.splitlines()] == ["first", "second"]


def test_orders_logs_without_lines_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "load_state", lambda: {"logs_dir": str(tmp_path)})
    monkeypatch.setattr(cli, "_log_filter", lambda _s, _r: (ORDER, lambda r: False))
    assert cli.main(["logs", "3f2a9c1b"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no log lines for order 3f2a9c1b" in err


HANDLERS = {
    "order-api": "services.order.entrypoints.http.api.lambda_handler",
    "order-status": "services.order.entrypoints.projector.lambda_handler",
    "billing": "services.billing.handler.lambda_handler",
    "email": "services.email.handler.lambda_handler",
}


@pytest.mark.parametrize(
    ("changed", "functions"),
    [
        ("services/email/templates.py", ["email"]),
        ("services/order/domain/order.py", ["order-api", "order-status"]),
        ("services/shared/money.py", sorted(HANDLERS)),
        ("services/topology.json", sorted(HANDLERS)),
        ("services/local/stack.py", []),
        ("services/email/__pycache__/templates.cpython-311.pyc", []),
        ("README.md", []),
    ],
)
def test_an_edit_reloads_the_functions_whose_code_it_is(changed: str, functions: list[str]) -> None:
    assert affected([ROOT / changed], ROOT, HANDLERS) == functions


class FakeFunction:
    def __init__(self) -> None:
        self.restarts: list[str] = []

    def restart(self, reason: str) -> None:
        self.restarts.append(reason)


def test_a_reload_restarts_only_the_affected_functions_and_says_so_once() -> None:
    bus = Bus()
    lines: list[str] = []
    bus.subscribe(TextConsole(lines.append))
    functions = {name: FakeFunction() for name in HANDLERS}
    reloader = Reloader(ROOT, functions, HANDLERS, bus)
    assert reloader.apply([ROOT / "services/billing/service.py"]) == ["billing"]
    assert [name for name, f in functions.items() if f.restarts] == ["billing"]
    bus.publish(RuntimeExited("billing", 42, "the code changed", respawned=True, reloaded=True))
    assert lines == ["  ↻ reloaded billing (services/billing/service.py changed); queues and tables kept"]


def test_the_console_names_the_order_the_error_and_the_attempt_of_a_failed_record() -> None:
    console = TextConsole(lambda _: None)
    failed = console.line(RecordFailed("billing", ORDER, "m-1", 3, "TransientPaymentError: provider down"))
    assert failed == "  ! billing: order 3f2a9c1b failed (attempt 3): TransientPaymentError: provider down"
    moved = console.line(MovedToDlq("billing", ORDER, "m-1", 5, "billing-dlq"))
    assert moved == "  ✗ billing: order 3f2a9c1b moves to billing-dlq after 5 attempts"
    assert console.line(Reloaded(("email",), "services/email/templates.py")) is not None


def test_preflight_names_the_packages_where_awslambdaric_has_no_wheel() -> None:
    mac = preflight.problem("Darwin", "arm64", {})
    assert mac is not None
    assert "xcode-select --install && brew install cmake autoconf automake libtool" in mac
    assert "ORDERFLOW_BUILD_AWSLAMBDARIC=1 make run" in mac
    assert "WSL2" in (preflight.problem("Windows", "AMD64", {}) or "")
    assert "apt-get install g++ make cmake" in (preflight.problem("Linux", "ppc64le", {}) or "")
    assert preflight.problem("Linux", "x86_64", {}) is None
    assert preflight.problem("Linux", "aarch64", {}) is None
    assert preflight.problem("Darwin", "arm64", {preflight.BUILD_ENV: "1"}) is None


def test_preflight_stops_before_pip_on_a_mac(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(preflight.BUILD_ENV, raising=False)
    monkeypatch.setattr(preflight.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(preflight.platform, "machine", lambda: "arm64")
    assert preflight.main(["--extra", "local"]) == 1
    assert "awslambdaric has no wheel for Darwin arm64" in capsys.readouterr().err


def test_make_run_installs_the_local_extra_only_and_passes_args() -> None:
    local = preflight.requirements("local")
    assert any(r.startswith("awslambdaric") for r in local)
    assert any(r.startswith("watchfiles") for r in local)
    for tool in ("ruff", "mypy", "checkov", "pytest", "schemathesis", "hadolint"):
        assert not any(r.startswith(tool) for r in local), tool
    assert set(local) <= set(preflight.requirements("dev"))  # make test still installs everything
    dry = subprocess.run(
        ["make", "-n", "run", "ARGS=--retry-delay 5", "VENV=/nonexistent/venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "-m services.local --retry-delay 5" in dry
    assert "pip install -e '.[local]'" in dry
    assert ".[dev]" not in dry
    assert dry.index("services.local.preflight") < dry.index("pip install")  # it stops before pip


def test_amounts_in_log_lines_are_shown_with_format_money() -> None:
    at = logs.timestamp({"timestamp": "2026-01-01T10:00:00.000+00:00"})
    yen = logs.render(
        logs.LogLine("order-api", at, {"message": "Order placed", "total": 1500, "currency": "JPY"})
    )
    assert "total=JPY 1,500" in yen
    pounds = logs.render(
        logs.LogLine("order-api", at, {"message": "Order placed", "total": 3617, "currency": "GBP"})
    )
    assert "total=GBP 36.17" in pounds


def test_a_taken_port_names_the_variables_to_set() -> None:
    import socket

    from services.local.ports import PortTaken, ensure_free

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortTaken) as error:
            ensure_free(port, "HTTP API", "ORDERFLOW_API_PORT", "--api-port")
    message = str(error.value)
    assert f"port {port} (HTTP API) is taken" in message
    assert "ORDERFLOW_API_PORT=<port> make run" in message
    assert "ORDERFLOW_STATE_DIR=<dir>" in message
