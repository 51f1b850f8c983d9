"""Where moto departs from DynamoDB in a way the local stack would notice, corrected. Applied in
the emulator's own process (emulator/server.py) and in the tests' in-process mock
(tests/conftest.py), beside speedups.py. tests/emulator/ checks each behaviour against AWS's
documented one, and against moto's unpatched answer where moto is wrong.

`TransactWriteItems` is all or nothing, and costs what it touches:
- moto 5.2 deep-copies every table a transaction names, applies the items one by one, and on a
  cancellation puts the copies back in place of the live tables. The first item's stream record
  stays on the old table's shard (where an open iterator reads a write that never happened), and
  every later write goes to the copy's shard, which no open iterator reads. DynamoDB writes
  nothing, to the table or its stream, for a cancelled transaction
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
- Corrected: the live tables stay in place. Only the items the transaction names are kept
  aside (so its cost grows with its items, not with the tables), and put back if it is
  cancelled; its stream records are held until it commits, one per item, in order, and dropped
  if it does not.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

_held = threading.local()  # the stream records of the transaction this thread is applying


class _TablesStayLive:
    """Stands in for the `copy` module inside moto.dynamodb.models, whose only use of it is the
    transaction's whole-table backup and update_item's copy of the item it changes. A table is
    handed back as it is (the moto "rollback" then puts the same table back: a no-op); anything
    else is copied as before."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """(table, hash key, range key, a copy of the item as it is) for each item a transaction
    names; an item whose key cannot be read is left to moto, which refuses the transaction."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    touched = []
    for entry in transact_items:
        try:
            ((kind, operation),) = entry.items()
            table = backend.tables[operation["TableName"]]
            attributes = operation["Item"] if kind == "Put" else operation["Key"]
            hash_key = DynamoType(attributes[table.hash_key_attr])
            range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
        current = table.get_item(hash_key, range_key)
        touched.append((table, hash_key, range_key, copy.deepcopy(current)))
    return touched


def _put_back(touched: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_key, range_key, before in reversed(touched):
        if range_key is None:
            if before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before
        elif before is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = before


def apply() -> Callable[[], None]:
    """Patch moto in this process; the function returned undoes it."""
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard, Table

    transact = DynamoDBBackend.transact_write_items
    add_record = StreamShard.add

    def add(self: Any, old: Any, new: Any) -> None:
        pending = getattr(_held, "records", None)
        if pending is None:
            add_record(self, old, new)
            return
        rec = new if new is not None else old
        key = (id(self), rec.hash_key, rec.range_key)
        if key in pending:  # an Update of a new item: moto's put of its key, then the change
            first_old, _, shard = pending[key]
            pending[key] = (first_old, new, shard)
        else:
            pending[key] = (old, new, self)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = _touched(self, transact_items)
        _held.records = {}
        try:
            transact(self, transact_items)
        except BaseException:
            _put_back(touched)
            raise
        finally:
            records, _held.records = _held.records, None
        for old, new, shard in records.values():
            add_record(shard, old, new)

    patches: list[tuple[Any, str, Any]] = [
        (DynamoDBBackend, "transact_write_items", transact_write_items),
        (StreamShard, "add", add),
        (dynamodb_models, "copy", _TablesStayLive(Table)),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)

    def undo() -> None:
        for owner, name, original in originals:
            setattr(owner, name, original)

    return undo
