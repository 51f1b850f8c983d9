"""Generate the committed JSON Schemas (one per event) and the OpenAPI document.

python -m services.shared.schemas --write   # regenerate (make schemas)
python -m services.shared.schemas --check   # exit 1 when the files drifted
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.shared.events import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "order" / "openapi.json"


def documents() -> dict[Path, str]:
    from services.order.api import openapi_document

    docs = {
        SCHEMA_DIR / f"{status.value}.schema.json": model.model_json_schema()
        for status, model in EVENT_TYPES.items()
    }
    docs[OPENAPI_FILE] = openapi_document()
    return {path: json.dumps(doc, indent=2, sort_keys=True) + "\n" for path, doc in docs.items()}


def drifted() -> list[Path]:
    return [p for p, text in documents().items() if not p.exists() or p.read_text() != text]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.write:
        SCHEMA_DIR.mkdir(exist_ok=True)
        for path, text in documents().items():
            path.write_text(text)
            print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        return 0
    stale = drifted()
    for path in stale:
        print(f"out of date: {path}; run `make schemas`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
