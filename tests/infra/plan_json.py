"""Reading `terraform show -json` plans: one flat view of every managed resource."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Planned:
    address: str
    type: str
    module: str  # e.g. 'module.function["billing"]', '' for the root
    values: dict[str, Any]  # planned values; unknown ones are absent or None
    unknown: dict[str, Any]  # after_unknown: True where the value is known only after apply

    def is_set_or_computed(self, attribute: str) -> bool:
        """The attribute has a value, or will get one computed at apply."""
        return bool(self.values.get(attribute)) or self.unknown.get(attribute) is True


def resources(plan: dict) -> Iterator[Planned]:
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or (
            "delete" in change["change"]["actions"] and not change["change"]["after"]
        ):
            continue
        yield Planned(
            address=change["address"],
            type=change["type"],
            module=change.get("module_address", ""),
            values=change["change"]["after"] or {},
            unknown=change["change"].get("after_unknown") or {},
        )


def of_type(plan: dict, resource_type: str) -> list[Planned]:
    return [r for r in resources(plan) if r.type == resource_type]


# The modules the root composes for each function of the topology declaration, one instance per
# function (module.<concern>["<function>"]).
PER_FUNCTION = ("function", "consumer_queue", "stream_source", "schedule", "function_alarms")


def per_function(
    plan: dict, concern: str, resource_type: str, name: str = "this", key: str | None = None
) -> dict[str, Planned]:
    """One resource of each function's `concern` module, keyed by function: the resource
    `resource_type.name`, or its instance `key` when it has one per key (the alarms)."""
    assert concern in PER_FUNCTION, concern
    index = "" if key is None else f'["{key}"]'
    found: dict[str, Planned] = {}
    for r in of_type(plan, resource_type):
        matched = re.fullmatch(rf'module\.{concern}\["([^"]+)"\]', r.module)
        if matched and r.address == f"{r.module}.{resource_type}.{name}{index}":
            found[matched.group(1)] = r
    return found


def policy_statements(policy: str | dict) -> list[dict]:
    doc = json.loads(policy) if isinstance(policy, str) else policy
    statements = doc["Statement"]
    return statements if isinstance(statements, list) else [statements]


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def expected_environment(function: dict) -> set[str]:
    """Environment variable names a function of the topology declaration gets: the names
    services.environment.function_environment gives it (the one definition)."""
    from services.environment import Resources, function_environment
    from services.shared.topology import load_topology

    declared = load_topology().function(function["name"])
    tables = {t.name: t.name for t in load_topology().tables}
    resources = Resources(tables, topic_arn="arn", email_sender="a@b.c", configuration_set="set")
    return set(function_environment(declared, resources))


def declared_environment(name: str, **resources: Any) -> dict[str, str]:
    """The whole environment, values included, that function_environment gives the function
    `name` when a deployment named its resources as `resources` (see environment.Resources)."""
    from services.environment import Resources, function_environment
    from services.shared.topology import load_topology

    return function_environment(load_topology().function(name), Resources(**resources))
