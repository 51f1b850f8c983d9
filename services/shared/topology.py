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
    access: str  # read | read_write
    attributes: tuple[str, ...] = ()  # when set, the only attributes the function may read


@dataclass(frozen=True)
class Consumption:
    statuses: tuple[str, ...]
    batch_size: int
    max_receive_count: int
    max_concurrency: int


@dataclass(frozen=True)
class StreamSource:
    """A DynamoDB stream that invokes the function (Lambda's stream event source mapping)."""

    table: str
    batch_size: int
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    bisect_batch_on_function_error: bool
    starting_position: str
    filter: dict[str, Any]


@dataclass(frozen=True)
class Schedule:
    rate_minutes: int


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
    stream: StreamSource | None = None
    schedule: Schedule | None = None


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class Table:
    name: str
    hash_key: str
    ttl_attribute: str | None
    stream: str | None = None  # the stream view type, e.g. NEW_IMAGE
    indexes: tuple[Index, ...] = ()


@dataclass(frozen=True)
class Unroutable:
    queue: str
    retention_seconds: int


@dataclass(frozen=True)
class Topology:
    topic: str
    statuses: tuple[str, ...]
    tables: tuple[Table, ...]
    functions: tuple[Function, ...]
    deadlines_seconds: dict[str, int]
    unroutable: Unroutable

    @property
    def consumers(self) -> tuple[Function, ...]:
        return tuple(f for f in self.functions if f.consumes is not None)

    def function(self, name: str) -> Function:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(name)

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def consumers_of(self, status: str) -> set[str]:
        return {f.name for f in self.consumers if f.consumes and status in f.consumes.statuses}

    @property
    def routed_statuses(self) -> tuple[str, ...]:
        """Every status some consumer's filter policy takes; anything else is unroutable."""
        return tuple(s for s in self.statuses if self.consumers_of(s))


def _function(name: str, raw: dict[str, Any], factor: int) -> Function:
    consumes = raw.get("consumes")
    stream = raw.get("stream")
    schedule = raw.get("schedule")
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
            TableAccess(
                env_var=env,
                table=spec["table"],
                access=spec["access"],
                attributes=tuple(spec.get("attributes", ())),
            )
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
        stream=None
        if stream is None
        else StreamSource(
            table=stream["table"],
            batch_size=int(stream["batch_size"]),
            maximum_retry_attempts=int(stream["maximum_retry_attempts"]),
            maximum_record_age_seconds=int(stream["maximum_record_age_seconds"]),
            bisect_batch_on_function_error=bool(stream["bisect_batch_on_function_error"]),
            starting_position=stream["starting_position"],
            filter=dict(stream["filter"]),
        ),
        schedule=None if schedule is None else Schedule(rate_minutes=int(schedule["rate_minutes"])),
    )


def _table(name: str, spec: dict[str, Any]) -> Table:
    return Table(
        name=name,
        hash_key=spec["hash_key"],
        ttl_attribute=spec.get("ttl_attribute"),
        stream=spec.get("stream"),
        indexes=tuple(
            Index(name=index, hash_key=raw["hash_key"], range_key=raw["range_key"])
            for index, raw in spec.get("indexes", {}).items()
        ),
    )


@cache
def load_topology(path: Path = TOPOLOGY_FILE) -> Topology:
    raw = json.loads(path.read_text())
    factor = int(raw["visibility_timeout_factor"])
    return Topology(
        topic=raw["topic"],
        statuses=tuple(raw["statuses"]),
        tables=tuple(_table(name, spec) for name, spec in raw["tables"].items()),
        functions=tuple(_function(name, spec, factor) for name, spec in raw["functions"].items()),
        deadlines_seconds={k: int(v) for k, v in raw["deadlines_seconds"].items()},
        unroutable=Unroutable(
            queue=raw["unroutable"]["queue"], retention_seconds=int(raw["unroutable"]["retention_seconds"])
        ),
    )
