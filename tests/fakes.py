"""In-memory fakes of the ports, for unit tests of the services."""

from __future__ import annotations

from typing import Any

from services.order.domain import STATUS_RANK, Product, StatusChange


class RecordingPublisher:
    def __init__(self, fail_times: int = 0) -> None:
        self.events: list[Any] = []
        self._fail_times = fail_times

    def publish(self, event: Any) -> None:
        if self._fail_times:
            self._fail_times -= 1
            raise ConnectionError("publish failed")
        self.events.append(event)


class FakeCatalog:
    def __init__(self, *products: Product) -> None:
        self._products = {p.sku: p for p in products}

    def products(self, skus: set[str]) -> dict[str, Product]:
        return {sku: self._products[sku] for sku in skus if sku in self._products}


class FakeOrders:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, order: dict[str, Any]) -> None:
        assert order["order_id"] not in self.items
        self.items[order["order_id"]] = order

    def get(self, order_id: str) -> dict[str, Any] | None:
        return self.items.get(order_id)

    def apply(self, order_id: str, change: StatusChange) -> bool:
        order = self.items[order_id]
        order["timeline"].setdefault(change.status, {"at": change.at, "event_id": change.event_id})
        for key, value in change.details.items():
            order.setdefault(key, value)
        if STATUS_RANK[order["status"]] < change.rank:
            order["status"] = change.status
            order.update(change.details)
            return True
        return False


class FakeRecords:
    """Payments or shipments: one per order."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def for_order(self, order_id: str) -> Any:
        return self.items.get(order_id)

    def add(self, record: Any) -> Any:
        return self.items.setdefault(record.order_id, record)
