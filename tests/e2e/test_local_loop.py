"""The first hour with the local stack: one address for the running stack, short ids
that every tool takes, CLI errors as one line, per-order logs, the API describing itself, and
live reload."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.local.bus import Reloaded
from services.local.settings import Options
from services.local.stack import LocalStack
from services.local.tools import cli
from services.local.tools.client import request, wait_for_terminal
from services.shared.money import format_money
from services.shared.references import short_reference
from tests.e2e.conftest import DEADLINE, Recorder, emails_for, eventually, order, post

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped(stack: LocalStack) -> dict[str, Any]:
    """One order that shipped, and another placed beside it."""
    created = [post(stack, order())[2]["order_id"] for _ in range(2)]
    steps = ["ORDER_CREATED", "INVOICE_CREATED", "PAYMENT_CONFIRMED", "SHIPPED", "PAYMENT_CAPTURED"]

    def projected(order_id: str) -> dict[str, Any]:
        # complete once captured; the projector may still be adding a step that came late
        view = wait_for_terminal(stack.api_url, order_id, DEADLINE)
        return view if sorted(t["status"] for t in view["timeline"]) == sorted(steps) else {}

    finals = [eventually(lambda i=order_id: projected(i)) for order_id in created]
    assert [f["status"] for f in finals] == ["SHIPPED", "SHIPPED"]
    return {"order": finals[0], "other": finals[1]}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_short_form_in_the_console_the_emails_and_every_cli_command(
    stack: LocalStack, state: dict[str, Any], shipped: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    view = shipped["order"]
    short = short_reference(view["order_id"])
    assert len(short) == 8
    assert all(short in subject for subject in emails_for(stack, view["order_id"]))

    for reference in (short, short[:6], view["order_id"]):
        code, out, _ = run_cli(capsys, "show", reference)
        assert code == 0, reference
        assert f"order {view['order_id']}  ({short})" in out
    lines = out.splitlines()
    statuses = [entry["status"] for entry in view["timeline"]]
    timeline = [
        m[1] for line in lines if (m := re.match(r"  \d\d:\d\d:\d\d\.\d{3}  (\w+) +\+[\d.]+s$", line))
    ]
    assert timeline == statuses  # a readable timeline, in order
    assert f"total {format_money(view['total'], view['currency'])}" in out

    code, out, _ = run_cli(capsys, "show", short, "--json")
    assert code == 0
    assert json.loads(out) == request("GET", f"{stack.api_url}/orders/{view['order_id']}")[2]

    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert any(
        line.startswith(short) and format_money(view["total"], view["currency"]) in line
        for line in out.splitlines()
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["redrive", "nonexistent"], "no consumer DLQ 'nonexistent'; redrive one of: billing"),
        (["dlq", "nosuch"], "no queue 'nosuch'; there are: billing"),
        (["show", "zzzz"], "no order matches 'zzzz'"),
        (["logs", "zzzz"], "no order matches 'zzzz'"),
        (["show", ""], "give an order id"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(
    state: dict[str, Any], capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.startswith(f"orders: {says}")
    assert err.count("\n") == 1
    assert out == ""


def test_with_no_stack_the_cli_names_the_variable_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ORDERFLOW_STATE_DIR", str(tmp_path))
    code, _, err = run_cli(capsys, "list")
    assert code == 2
    assert err.count("\n") == 1
    assert "no local stack is running" in err
    assert "ORDERFLOW_STATE_DIR=<dir>" in err
    assert str(tmp_path / "stack.json") in err


def test_orders_logs_merges_every_functions_lines_for_one_order(
    state: dict[str, Any], shipped: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    view, other = shipped["order"], shipped["other"]
    code, out, _ = run_cli(capsys, "logs", short_reference(view["order_id"]), "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert all(r.get("order_id", view["order_id"]) == view["order_id"] for r in records)
    assert other["order_id"] not in out
    assert {r["service"] for r in records} >= {
        "order-api",
        "relay",
        "invoice",
        "billing",
        "shipment",
        "email",
        "order-status",
    }
    stamps = [r["timestamp"] for r in records]
    assert stamps == sorted(stamps)

    code, out, _ = run_cli(capsys, "logs", short_reference(view["order_id"]))
    readable = out.splitlines()
    assert len(readable) == len(records)
    assert all(not line.startswith("{") for line in readable)
    assert any(" billing " in line and "Record processed" in line for line in readable)


def test_the_api_serves_its_document_and_lists_its_routes_on_a_404(stack: LocalStack) -> None:
    status, _, document = request("GET", f"{stack.api_url}/openapi.json")
    assert status == 200
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert (scheme["in"], scheme["name"]) == ("header", "x-api-key")
    status, _, body = request("GET", f"{stack.api_url}/nowhere")
    assert status == 404
    for route in ("POST /orders", "GET /orders/{order_id}", "GET /openapi.json"):
        assert route in body["message"]


FAKE_DOCKER = """#!/usr/bin/env bash
# docker as run-image.sh calls it: answers every question, and prints what `run` would run.
if [ "$1" = run ]; then printf '%s\\n' "$@"; fi
exit 0
"""


def run_image(tmp_path: Path, state_dir: Path) -> subprocess.CompletedProcess[str]:
    docker = tmp_path / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("LOCAL_AWS_ENDPOINT", "NETWORK")},
        "SERVICE": "billing",
        "DOCKER": str(docker),
        "RIE_PATH": shutil.which("true") or "/bin/true",
        "PY": str(Path(os.sys.executable)),
        "ORDERFLOW_STATE_DIR": str(state_dir),
    }
    return subprocess.run(
        ["bash", "images/run-image.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_run_image_points_the_container_at_the_running_stack_from_its_state_file(
    stack: LocalStack, tmp_path: Path
) -> None:
    assert not stack.endpoint.endswith(":4566")  # a stack on another port than the default
    ran = run_image(tmp_path, stack.options.state_dir)
    assert ran.returncode == 0, ran.stderr
    assert f"AWS_ENDPOINT_URL={stack.endpoint}" in ran.stdout.splitlines()

    nothing = run_image(tmp_path, tmp_path / "no-stack-here")
    assert nothing.returncode == 1
    assert "no local stack is running" in nothing.stderr
    assert "ORDERFLOW_STATE_DIR=<dir>" in nothing.stderr
    assert "docker" not in nothing.stdout


def test_an_edit_reloads_the_function_and_keeps_the_orders(tmp_path: Path) -> None:
    """Against a copy of services/, so the repository is never changed."""
    shutil.copytree(ROOT / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    templates = tmp_path / "services" / "email" / "templates.py"
    options = Options(
        api_port=0,
        aws_port=0,
        state_dir=tmp_path / "state",
        retry_delay_seconds=0,
        quiet=True,
        code_root=tmp_path,
        reload=True,
    )
    recorder = Recorder()
    with LocalStack(options) as stack:
        stack.bus.subscribe(recorder)
        before = wait_for_terminal(stack.api_url, post(stack, order())[2]["order_id"], DEADLINE)
        assert before["status"] == "SHIPPED"
        billing_pids = set(stack.functions["billing"].pids)
        email_pids = set(stack.functions["email"].pids)

        source = templates.read_text()
        assert "has shipped" in source
        templates.write_text(source.replace("has shipped", "is on its way"))
        reloaded = eventually(lambda: recorder.of(Reloaded))
        assert reloaded[0].functions == ("email",)
        assert "services/email/templates.py" in reloaded[0].changed

        after = wait_for_terminal(stack.api_url, post(stack, order())[2]["order_id"], DEADLINE)
        shipped_subject = eventually(
            lambda: [s for s in emails_for(stack, after["order_id"]) if s.startswith("Order ")]
        )
        assert shipped_subject == [f"Order {short_reference(after['order_id'])} is on its way"]
        assert any("has shipped" in s for s in emails_for(stack, before["order_id"]))
        # the emulator kept its state: the first order is still there, as it was
        assert request("GET", f"{stack.api_url}/orders/{before['order_id']}")[2] == before
        assert set(stack.functions["billing"].pids) == billing_pids  # only email was restarted
        assert not set(stack.functions["email"].pids) & email_pids
