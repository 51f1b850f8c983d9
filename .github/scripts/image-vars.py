#!/usr/bin/env python3
"""Validate an image-digests artifact strictly and turn it into the only Terraform inputs a
deploy takes from it.

    image-vars.py <artifact.json> <canonical.json>

The artifact (written by `make push`) must be exactly
    {"image_tag": "<git commit, 7-40 hex>", "image_digests": {"<image>": "sha256:<64 hex>", ...}}
with one digest for every image in services/topology.json and nothing else. Anything else
fails. On success it writes the validated values as canonical JSON (for the image copy) and,
to $GITHUB_OUTPUT (or stdout), `image-tag=<tag>` and `image-digests=<HCL map>` for
`make apply IMAGE_TAG=... IMAGE_DIGESTS=...`, i.e. `-var image_tag=... -var image_digests=...`.
No other variable can reach Terraform from the artifact (never a -var-file).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

TAG = re.compile(r"[0-9a-f]{7,40}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
IMAGE = re.compile(r"[a-z][a-z0-9-]{0,62}")
MAX_BYTES = 64 * 1024


class Invalid(ValueError):
    pass


def expected_images(root: Path) -> set[str]:
    topology = json.loads((root / "services" / "topology.json").read_text())
    return {f["image"] for f in topology["functions"].values()}


def validate(text: str, images: set[str]) -> tuple[str, dict[str, str]]:
    if len(text.encode()) > MAX_BYTES:
        raise Invalid("the artifact is larger than any digests file")

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise Invalid(f"duplicate keys: {sorted(keys)}")
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as error:
        raise Invalid(f"not JSON: {error}") from None
    if not isinstance(data, dict) or set(data) != {"image_tag", "image_digests"}:
        raise Invalid("expected exactly the keys image_tag and image_digests")
    tag, digests = data["image_tag"], data["image_digests"]
    if not isinstance(tag, str) or not TAG.fullmatch(tag):
        raise Invalid("image_tag must be a git commit id (7-40 lowercase hex digits)")
    if not isinstance(digests, dict) or set(digests) != images:
        raise Invalid(f"image_digests must have exactly the images {sorted(images)}")
    for image, digest in digests.items():
        if not IMAGE.fullmatch(image):
            raise Invalid(f"bad image name {image!r}")
        if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
            raise Invalid(f"the digest of {image} must be sha256: and 64 lowercase hex digits")
    return tag, dict(sorted(digests.items()))


def hcl_map(digests: dict[str, str]) -> str:
    return "{" + ",".join(f'{image}="{digest}"' for image, digest in digests.items()) + "}"


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parents[2]
    try:
        tag, digests = validate(Path(argv[1]).read_text(), expected_images(root))
    except (Invalid, OSError, UnicodeDecodeError) as error:
        print(f"::error::image-digests artifact rejected: {error}", file=sys.stderr)
        return 1
    Path(argv[2]).write_text(json.dumps({"image_tag": tag, "image_digests": digests}, indent=2) + "\n")
    lines = f"image-tag={tag}\nimage-digests={hcl_map(digests)}\n"
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a") as f:
            f.write(lines)
    else:
        sys.stdout.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
