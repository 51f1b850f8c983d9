"""Generate the committed JSON Schemas of the events (one per status).

python -m services.shared.schemas --write   # regenerate (make schemas)
python -m services.shared.schemas           # exit 1 when the files drifted
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.shared.events import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def render(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def documents() -> dict[Path, str]:
    return {
        SCHEMA_DIR / f"{status.value}.schema.json": render(model.model_json_schema())
        for status, model in EVENT_TYPES.items()
    }


def drifted(docs: dict[Path, str] | None = None) -> list[Path]:
    docs = documents() if docs is None else docs
    return [p for p, text in docs.items() if not p.exists() or p.read_text() != text]


def write_or_check(docs: dict[Path, str], argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write the generated documents, or check them")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        for path, text in docs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        return 0
    stale = drifted(docs)
    for path in stale:
        print(f"out of date: {path}; run `make schemas`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(write_or_check(documents()))
