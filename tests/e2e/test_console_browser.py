"""The web console in a real browser: Playwright driving Debian's chromium (apt-get install
chromium; Playwright's own browser downloads are not reachable here). It watches an order reach
SHIPPED on the page, and redrives a dead-lettered message with the page's button."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from services.local.bus import RecordFailed
from services.local.settings import Options
from services.local.stack import LocalStack
from services.local.tools import orders as ops
from services.local.tools.client import aws_client
from tests.e2e.conftest import eventually, order, post

pytestmark = pytest.mark.e2e
BROWSERS = ("chromium", "chromium-browser")
WAIT_MS = 45_000
HOSTILE_NAME = "<img src=x onerror=window.__xss=1>"


def _chromium() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("chromium: no Chromium browser installed (apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright: pip install -e '.[dev]'")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=args, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = Options(
        api_port=0,
        aws_port=0,
        state_dir=tmp_path_factory.mktemp("console"),
        retry_delay_seconds=0,
        deadline_seconds=300,  # no sweeper nudge: it would send billing a second message to dead-letter
        quiet=True,
        extra_env={"POWERTOOLS_LOG_LEVEL": "INFO"},  # the log lines the order's page shows
    )
    with LocalStack(options) as running:
        yield running


@pytest.fixture(scope="module")
def failing_order(console_stack: LocalStack) -> str:
    """An order whose payment always fails transiently, placed first: its message works through
    billing's five attempts to the DLQ while the other test runs."""
    body = order("tok_processingError")
    body["customer"]["name"] = HOSTILE_NAME
    status, _, created = post(console_stack, body)
    assert status == 201
    return str(created["order_id"])


@pytest.fixture
def page(browser: Any, console_stack: LocalStack) -> Iterator[Any]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(console_stack.console_url)
    yield opened
    context.close()
    assert errors == [], f"the page raised: {errors}"


def test_an_order_reaches_shipped_on_the_page_with_its_timeline_and_emails(
    browser: Any, failing_order: str, page: Any, console_stack: LocalStack
) -> None:
    from playwright.sync_api import expect

    status, _, created = post(console_stack, order())
    assert status == 201
    order_id = created["order_id"]
    row = page.locator(f'#orders tr[data-order-id="{order_id}"]')
    expect(row.locator(".status")).to_have_text("SHIPPED", timeout=WAIT_MS)
    expect(row.locator(".payment")).to_have_text("captured", timeout=WAIT_MS)
    expect(page.locator('[data-count="shipped"]')).to_have_text("1")

    row.click()
    expect(page.locator("#timeline")).to_contain_text("PAYMENT_CAPTURED", timeout=WAIT_MS)
    expect(page.locator("#payment")).to_contain_text("captured GBP 36.17")
    expect(page.locator("#emails iframe.email").first).to_be_attached(timeout=WAIT_MS)
    first = page.frame_locator("#emails iframe.email").first
    expect(first.locator("body")).to_contain_text(order_id)
    expect(page.locator("#logs")).to_contain_text("Order placed", timeout=WAIT_MS)


def test_a_dead_lettered_message_is_redriven_from_the_page_and_no_secret_shows(
    browser: Any, failing_order: str, page: Any, console_stack: LocalStack
) -> None:
    from playwright.sync_api import expect

    order_id = failing_order
    state = console_stack.state()
    sqs = aws_client(state, "sqs")
    dlq = state["dlq_urls"]["billing"]

    def parked() -> list[str]:
        return [m.message_id for m in ops.peek(sqs, "billing", dlq) if m.order_id == order_id]

    first = eventually(parked)
    box = page.locator('.queue[data-queue="billing"]')
    message = box.locator(f'details[data-message-id="{first[0]}"]')
    expect(message).to_be_attached(timeout=WAIT_MS)
    message.locator("summary").click()
    expect(message.locator("pre")).to_contain_text(HOSTILE_NAME)  # shown as text, not markup
    assert "tok_processingError" not in page.content()
    assert page.evaluate("window.__xss") is None

    failures: list[RecordFailed] = []
    unsubscribe = console_stack.bus.subscribe(
        lambda event: failures.append(event) if isinstance(event, RecordFailed) else None
    )
    try:
        box.locator('button[data-redrive="billing"]').click()
        expect(page.locator("#redrive-result")).to_have_text(
            "moved 1 message(s) from billing-dlq back to billing", timeout=WAIT_MS
        )
        expect(message).not_to_be_attached(timeout=WAIT_MS)
        # Back in its queue, billing takes it again as a new message (a new id, a first attempt),
        # and fails again: the token always does.
        again = eventually(
            lambda: [
                f for f in failures if f.order_id == order_id and f.message_id not in first and f.attempt == 1
            ]
        )
        assert again[0].function == "billing"
    finally:
        unsubscribe()
    assert parked() == []  # not yet back: it has four more attempts first
    assert page.evaluate("window.__xss") is None
