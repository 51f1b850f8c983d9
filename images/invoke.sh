#!/usr/bin/env bash
# POST an event to the image `make run-image` runs (under aws-lambda-rie or the project's Runtime API
# server: the same endpoint) and print the response.
#   EVENT=tests/events/sqs_order_created.json  RIE_PORT=9000
set -euo pipefail
EVENT="${EVENT:-}"
RIE_PORT="${RIE_PORT:-9000}"
[ -n "$EVENT" ] || { echo "error: say which event: make invoke SERVICE=<x> EVENT=tests/events/<event>.json" >&2; exit 1; }
[ -r "$EVENT" ] || { echo "error: no such event file: $EVENT" >&2; exit 1; }
url="http://127.0.0.1:$RIE_PORT/2015-03-31/functions/function/invocations"
response="$(curl -sS --fail-with-body --max-time "${INVOKE_TIMEOUT:-60}" -H 'Content-Type: application/json' \
    --data-binary @"$EVENT" "$url")" || {
    echo "error: no answer from $url (is \`make run-image SERVICE=${SERVICE:-<x>}\` running?)" >&2
    [ -n "${response:-}" ] && echo "$response" >&2
    exit 1
}
python3 -m json.tool <<<"$response" 2>/dev/null || echo "$response"
