"""Reader for services/topology.json, the one declaration of who consumes what."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TOPOLOGY_FILE = Path(__file__).resolve().parent.parent / "topology.json"


@dataclass(frozen=True)
class TableAccess:
    env_var: str
    table: str
    access: str


@dataclass(frozen=True)
class Consumption:
    statuses: tuple[str, ...]
    batch_size: int
    max_receive_count: int
    max_concurrency: int


@dataclass(frozen=True)
class Function:
    name: str
    image: str
    handler: str
    timeout_seconds: int
    memory_mb: int
    publishes: bool
    sends_email: bool
    http: bool
    tables: tuple[TableAccess, ...]
    consumes: Consumption | None
    visibility_timeout_seconds: int


@dataclass(frozen=True)
class Table:
    name: str
    hash_key: str
    ttl_attribute: str | None


@dataclass(frozen=True)
class Topology:
    topic: str
    statuses: tuple[str, ...]
    tables: tuple[Table, ...]
    functions: tuple[Function, ...]

    @property
    def consumers(self) -> tuple[Function, ...]:
        return tuple(f for f in self.functions if f.consumes is not None)

    def function(self, name: str) -> Function:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(name)

    def consumers_of(self, status: str) -> set[str]:
        return {f.name for f in self.consumers if f.consumes and status in f.consumes.statuses}


def _function(name: str, raw: dict[str, Any], factor: int) -> Function:
    consumes = raw.get("consumes")
    return Function(
        name=name,
        image=raw["image"],
        handler=raw["handler"],
        timeout_seconds=int(raw["timeout_seconds"]),
        memory_mb=int(raw["memory_mb"]),
        publishes=bool(raw.get("publishes", False)),
        sends_email=bool(raw.get("sends_email", False)),
        http=bool(raw.get("http", False)),
        tables=tuple(
            TableAccess(env_var=env, table=spec["table"], access=spec["access"])
            for env, spec in raw.get("tables", {}).items()
        ),
        consumes=None
        if consumes is None
        else Consumption(
            statuses=tuple(consumes["statuses"]),
            batch_size=int(consumes["batch_size"]),
            max_receive_count=int(consumes["max_receive_count"]),
            max_concurrency=int(consumes["max_concurrency"]),
        ),
        visibility_timeout_seconds=factor * int(raw["timeout_seconds"]),
    )


@cache
def load_topology(path: Path = TOPOLOGY_FILE) -> Topology:
    raw = json.loads(path.read_text())
    factor = int(raw["visibility_timeout_factor"])
    return Topology(
        topic=raw["topic"],
        statuses=tuple(raw["statuses"]),
        tables=tuple(
            Table(name=name, hash_key=spec["hash_key"], ttl_attribute=spec.get("ttl_attribute"))
            for name, spec in raw["tables"].items()
        ),
        functions=tuple(_function(name, spec, factor) for name, spec in raw["functions"].items()),
    )
