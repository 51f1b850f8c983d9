"""Gapless invoice numbers in several series, under concurrent issuing (moto, real adapter)."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from typing import Any

import pytest

from services.invoice.adapters import DynamoInvoices
from services.invoice.domain import series_of
from services.shared.events import Amounts, Customer

CUSTOMER = Customer(id="c", email="ada@example.com", name="Ada")
AMOUNTS = Amounts(currency="GBP", subtotal=100, tax=20, shipping=0, total=120)
AT = "2026-11-26T10:00:00+00:00"
NUMBER = re.compile(r"^INV-2026-([A-Z])-(\d{6})$")


@pytest.fixture
def emulator(tmp_path: Any) -> Any:
    """The emulator in its own process: moto's in-process mock is not safe for threads."""
    from services.local.bus import Bus
    from services.local.emulator.moto import Emulator, client
    from services.local.emulator.provision import provision

    running = Emulator(0, tmp_path / "emails", tmp_path / "emulator.log", Bus())
    endpoint = running.start()
    try:
        clients = {name: client(endpoint, name) for name in ("dynamodb", "sns", "sqs", "ses")}
        yield {**clients, "stack": provision(clients)}
    finally:
        running.stop()


def test_concurrent_issuing_across_series_is_gapless_without_duplicates(emulator: dict[str, Any]) -> None:
    from services.local.emulator.moto import client

    tables = emulator["stack"].tables
    endpoint = emulator["dynamodb"].meta.endpoint_url
    order_ids = [f"ord_{n:032x}" for n in range(80)]
    issued: dict[str, str] = {}
    lock = threading.Lock()

    def issue(chunk: list[str]) -> None:
        invoices = DynamoInvoices(client(endpoint, "dynamodb"), tables["invoices"], series=4, attempts=200)
        for order_id in chunk:
            invoice = invoices.issue(order_id, CUSTOMER, AMOUNTS, AT)
            with lock:
                issued[order_id] = invoice.number

    threads = [threading.Thread(target=issue, args=(order_ids[n::6],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(issued) == len(order_ids)
    assert len(set(issued.values())) == len(order_ids)  # no number twice
    by_series: dict[str, list[int]] = defaultdict(list)
    for order_id, number in issued.items():
        match = NUMBER.match(number)
        assert match, number
        assert match.group(1) == series_of(order_id, 4)  # the order's own series
        by_series[match.group(1)].append(int(match.group(2)))
    assert len(by_series) == 4
    for series, numbers in by_series.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), series  # gapless from 1


def test_issuing_the_same_order_again_reuses_its_number(aws: dict[str, Any]) -> None:
    invoices = DynamoInvoices(aws["dynamodb"], aws["stack"].tables["invoices"], series=3)
    first = invoices.issue("ord_again", CUSTOMER, AMOUNTS, AT)
    again = invoices.issue("ord_again", CUSTOMER, AMOUNTS, AT)
    assert again.number == first.number
    other = invoices.issue("ord_other0", CUSTOMER, AMOUNTS, AT)
    if series_of("ord_other0", 3) == series_of("ord_again", 3):
        assert other.number.endswith("000002")  # the retry spent no number
