"""Generate the committed OpenAPI document of the order API (services/order/openapi.json).

python -m services.order.openapi --write   # regenerate (make schemas)
python -m services.order.openapi           # exit 1 when the file drifted
"""

from __future__ import annotations

import sys
from pathlib import Path

from services.shared.schemas import render, write_or_check

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"


def documents() -> dict[Path, str]:
    from services.order.api import openapi_document

    return {OPENAPI_FILE: render(openapi_document())}


if __name__ == "__main__":
    sys.exit(write_or_check(documents()))
