"""Reader for services/topology.json, the one declaration of the event topology: the statuses
(each one's step in the saga and its business metric), who consumes what, the tables and the
functions. pydantic validates it as it reads it: an unknown key, a missing one, a wrong type or a
name that refers to nothing fails at once, naming the field.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator

TOPOLOGY_FILE = Path(__file__).resolve().parent.parent / "topology.json"


class Declared(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _named(raw: Any, key: str = "name") -> Any:
    """`{"orders": {...}}` as `{"orders": {"name": "orders", ...}}`: the file keys each thing by its
    name, and an error names the field by it (`functions.invoice.timeout_seconds`)."""
    if isinstance(raw, dict):
        return {name: {key: name, **spec} if isinstance(spec, dict) else spec for name, spec in raw.items()}
    return raw


class StatusMetric(Declared):
    name: str = Field(description="the business metric counted when an order reaches the status")
    group: str = Field(description="the dashboard widget that shows it")


class StatusDeclaration(Declared):
    name: str
    step: NonNegativeInt = Field(
        description="its place in the saga; statuses of one step are alternative outcomes of it"
    )
    sets_order_status: bool = Field(
        description="whether the order's status becomes this one (settlements after shipping are "
        "recorded on the timeline and the payment only)"
    )
    metric: StatusMetric | None = None


class TableAccess(Declared):
    env_var: str
    table: str
    access: Literal["read", "read_write"]
    attributes: tuple[str, ...] = ()  # when set, the only attributes the function may read
    delete_items: bool = False  # whether its role may delete items (Terraform grants DeleteItem)


class Consumption(Declared):
    statuses: tuple[str, ...] = Field(min_length=1)
    batch_size: PositiveInt
    max_receive_count: PositiveInt
    max_concurrency: PositiveInt


class StreamSource(Declared):
    """A DynamoDB stream that invokes the function (Lambda's stream event source mapping)."""

    table: str
    batch_size: PositiveInt
    maximum_retry_attempts: NonNegativeInt
    maximum_record_age_seconds: PositiveInt
    bisect_batch_on_function_error: bool
    starting_position: Literal["TRIM_HORIZON", "LATEST"]
    filter: dict[str, Any]


class Schedule(Declared):
    rate_minutes: PositiveInt


class Function(Declared):
    name: str
    image: str
    handler: str
    timeout_seconds: PositiveInt
    memory_mb: PositiveInt
    publishes: bool = False
    sends_email: bool = False
    http: bool = False
    declared_tables: dict[str, TableAccess] = Field(default={}, alias="tables")
    consumes: Consumption | None = None
    # derived, never declared: visibility_timeout_factor x timeout_seconds
    visibility_timeout_seconds: PositiveInt
    stream: StreamSource | None = None
    schedule: Schedule | None = None

    @property
    def tables(self) -> tuple[TableAccess, ...]:
        return tuple(self.declared_tables.values())

    @model_validator(mode="before")
    @classmethod
    def _keyed_tables(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("tables"), dict):
            return {**raw, "tables": _named(raw["tables"], key="env_var")}
        return raw


class Index(Declared):
    name: str
    hash_key: str
    range_key: str


class Table(Declared):
    name: str
    hash_key: str
    ttl_attribute: str | None = None
    stream: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] | None = None
    declared_indexes: dict[str, Index] = Field(default={}, alias="indexes")

    @property
    def indexes(self) -> tuple[Index, ...]:
        return tuple(self.declared_indexes.values())

    @model_validator(mode="before")
    @classmethod
    def _keyed_indexes(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("indexes"), dict):
            return {**raw, "indexes": _named(raw["indexes"])}
        return raw


class Unroutable(Declared):
    queue: str
    retention_seconds: PositiveInt


class Topology(Declared):
    comment: str = Field(default="", alias="$comment")
    topic: str
    declared_statuses: dict[str, StatusDeclaration] = Field(alias="statuses", min_length=1)
    visibility_timeout_factor: PositiveInt
    deadlines_seconds: dict[str, PositiveInt]
    unroutable: Unroutable
    declared_tables: dict[str, Table] = Field(alias="tables")
    declared_functions: dict[str, Function] = Field(alias="functions")

    @model_validator(mode="before")
    @classmethod
    def _keyed(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        factor = raw.get("visibility_timeout_factor")
        functions = raw.get("functions")
        if isinstance(functions, dict):
            for name, spec in functions.items():
                if isinstance(spec, dict) and "visibility_timeout_seconds" in spec:
                    raise ValueError(f"functions.{name}: visibility_timeout_seconds is derived, not declared")
            functions = {
                name: {
                    "name": name,
                    **spec,
                    "visibility_timeout_seconds": factor * spec.get("timeout_seconds", 0),
                }
                if isinstance(spec, dict)
                and isinstance(factor, int)
                and isinstance(spec.get("timeout_seconds"), int)
                else {"name": name, **spec}
                if isinstance(spec, dict)
                else spec
                for name, spec in functions.items()
            }
        return {
            **raw,
            "statuses": _named(raw.get("statuses")),
            "tables": _named(raw.get("tables")),
            "functions": functions,
        }

    @model_validator(mode="after")
    def _refers_to_what_it_declares(self) -> Topology:
        statuses, tables = set(self.statuses), {table.name for table in self.tables}
        wrong = [f"deadlines_seconds.{s}" for s in self.deadlines_seconds if s not in statuses]
        for function in self.functions:
            if function.consumes:
                wrong += [
                    f"functions.{function.name}.consumes.statuses: {status}"
                    for status in function.consumes.statuses
                    if status not in statuses
                ]
            wrong += [
                f"functions.{function.name}.tables: {access.table}"
                for access in function.tables
                if access.table not in tables
            ]
            if function.stream and function.stream.table not in tables:
                wrong.append(f"functions.{function.name}.stream: {function.stream.table}")
        if wrong:
            raise ValueError("names nothing declared: " + "; ".join(wrong))
        return self

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(self.declared_tables.values())

    @property
    def functions(self) -> tuple[Function, ...]:
        return tuple(self.declared_functions.values())

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every status, in declaration order."""
        return tuple(self.declared_statuses)

    def status(self, name: str) -> StatusDeclaration:
        return self.declared_statuses[name]

    @property
    def steps(self) -> dict[str, int]:
        """Each status's step in the saga."""
        return {status.name: status.step for status in self.declared_statuses.values()}

    @property
    def status_metrics(self) -> dict[str, str]:
        """The business metric of each status that has one."""
        return {s.name: s.metric.name for s in self.declared_statuses.values() if s.metric is not None}

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


def parse_topology(raw: dict[str, Any]) -> Topology:
    return Topology.model_validate(raw)


@cache
def load_topology(path: Path = TOPOLOGY_FILE) -> Topology:
    return parse_topology(json.loads(path.read_text()))
