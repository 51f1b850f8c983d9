"""The API's routes, read from the committed OpenAPI document (services/order/openapi.json):
the one place they are declared. The local gateway forwards every method on a known resource to
the function, as the REST API's ANY methods do; the function answers 405 for the others."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OPENAPI_FILE = Path(__file__).resolve().parents[2] / "order" / "openapi.json"
_PARAMETER = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    resource: str  # e.g. /orders/{order_id}
    methods: tuple[str, ...]  # what the document declares, e.g. ("GET",)

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` is this resource, else None."""
        parts = _PARAMETER.split(self.resource)  # literal, name, literal, name, ..., literal
        pattern = "".join(re.escape(part) if i % 2 == 0 else "([^/]+)" for i, part in enumerate(parts))
        found = re.fullmatch(pattern, path)
        if found is None:
            return None
        return dict(zip(parts[1::2], found.groups(), strict=True))


@cache
def routes(path: Path = OPENAPI_FILE) -> tuple[Route, ...]:
    document = json.loads(path.read_text())
    return tuple(
        Route(resource, tuple(sorted(m.upper() for m in operations if not m.startswith("x-"))))
        for resource, operations in sorted(document["paths"].items())
    )


def resolve(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route `path` names, with its parameters (None: no such resource)."""
    for route in routes():
        parameters = route.match(path)
        if parameters is not None:
            return route, parameters
    return None


def listing() -> list[str]:
    return [f"{' '.join(r.methods)} {r.resource}" for r in routes()]
