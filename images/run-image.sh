#!/usr/bin/env bash
# Run one service image locally under the AWS Lambda Runtime Interface Emulator (aws-lambda-rie),
# its AWS calls going to the local stack's emulator (`make run`). Then `make invoke`.
#
#   SERVICE             image to run: order | invoice | billing | shipment | email (required)
#   FUNCTION            function from services/topology.json (default: the image's own;
#                       order-api for order, FUNCTION=order-status for the status projector)
#   NETWORK             host (default: the container shares loopback) or bridge
#   LOCAL_AWS_ENDPOINT  the emulator's URL as the container sees it (default: the running stack's,
#                       from its state file $ORDERFLOW_STATE_DIR/stack.json, else .local/stack.json;
#                       with bridge, its host is host.docker.internal)
#   RIE_PORT            where the emulator listens on this machine (default 9000)
#   RIE_PATH            the aws-lambda-rie binary (default .local/aws-lambda-rie, downloaded on first use)
set -euo pipefail
# shellcheck source=images/common.sh
. "$(dirname "$0")/common.sh"
cd "$ROOT"
SERVICE="${SERVICE:-}"
[ -n "$SERVICE" ] || die "say which image: make run-image SERVICE=<one of: $SERVICES>"
[[ " $SERVICES " == *" $SERVICE "* ]] || die "unknown SERVICE=$SERVICE (one of: $SERVICES)"
FUNCTION="${FUNCTION:-$([ "$SERVICE" = order ] && echo order-api || echo "$SERVICE")}"
NETWORK="${NETWORK:-host}"
RIE_PORT="${RIE_PORT:-9000}"
RIE_PATH="${RIE_PATH:-$ROOT/.local/aws-lambda-rie}"
PY="${PY:-python3}"
AWS_REGION="${AWS_REGION:-us-east-1}"
IMAGE="${IMAGE:-$IMAGE_PREFIX/$SERVICE:latest}"
# The running stack's own address, never a guessed port: another stack may listen on 4566.
state_file="${ORDERFLOW_STATE_DIR:-$ROOT/.local}/stack.json"
stack_endpoint=""
if [ -z "${LOCAL_AWS_ENDPOINT:-}" ]; then
    [ -r "$state_file" ] || die "no local stack is running (no $state_file). Start one with \`make run\`;
  one started with ORDERFLOW_STATE_DIR=<dir> is found with the same ORDERFLOW_STATE_DIR=<dir> here
  (or set LOCAL_AWS_ENDPOINT=<url> to choose the emulator yourself)."
    stack_endpoint="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$state_file")"
    curl -s -o /dev/null --max-time 5 "$stack_endpoint" || die "the stack in $state_file does not answer at
  $stack_endpoint: start it again with \`make run\` (and the same ORDERFLOW_STATE_DIR)."
fi

need_daemon
"$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 || die "no image $IMAGE: run \`make build\` first"

if [ ! -x "$RIE_PATH" ]; then
    case "$(uname -m)" in
        aarch64 | arm64) asset=aws-lambda-rie-arm64 ;;
        *) asset=aws-lambda-rie ;;
    esac
    rie_url="https://github.com/aws/aws-lambda-runtime-interface-emulator/releases/latest/download/$asset"
    echo "aws-lambda-rie not found at ${RIE_PATH#"$ROOT"/}: downloading $rie_url"
    mkdir -p "$(dirname "$RIE_PATH")"
    if ! curl -fsSL --connect-timeout 10 --max-time 120 -o "$RIE_PATH.part" "$rie_url"; then
        rm -f "$RIE_PATH.part"
        die "could not download aws-lambda-rie from $rie_url.
  This machine's network may reach only package registries, not GitHub releases.
  Download it where you can, copy it to ${RIE_PATH#"$ROOT"/} and chmod +x it; or run the image
  against the Runtime API server instead (no emulator needed): pytest -m images tests/images"
    fi
    chmod +x "$RIE_PATH.part"
    mv "$RIE_PATH.part" "$RIE_PATH"
fi

env_file="$ROOT/.local/run-image-$FUNCTION.env"
mkdir -p "$ROOT/.local"
"$PY" images/lambda_env.py "$FUNCTION" --region "$AWS_REGION" >"$env_file"
handler="$(sed -n 's/^ORDERFLOW_HANDLER=//p' "$env_file")"

if [ "$NETWORK" = host ]; then
    endpoint="${LOCAL_AWS_ENDPOINT:-$stack_endpoint}"
    net=(--network host)
    rie_address="127.0.0.1:$RIE_PORT"
else
    endpoint="${LOCAL_AWS_ENDPOINT:-${stack_endpoint/127.0.0.1/host.docker.internal}}"
    net=(--add-host host.docker.internal:host-gateway -p "127.0.0.1:$RIE_PORT:8080")
    rie_address="0.0.0.0:8080"
fi
echo "running $IMAGE as $FUNCTION ($handler) under aws-lambda-rie on 127.0.0.1:$RIE_PORT, AWS at $endpoint"
echo "invoke it with: make invoke SERVICE=$SERVICE EVENT=tests/events/<event>.json"
exec "$DOCKER" run --rm --init --name "orderflow-rie-$SERVICE" "${net[@]}" \
    --env-file "$env_file" \
    -e AWS_ENDPOINT_URL="$endpoint" \
    -e AWS_ACCESS_KEY_ID="${LOCAL_AWS_ACCESS_KEY_ID:-testing}" \
    -e AWS_SECRET_ACCESS_KEY="${LOCAL_AWS_SECRET_ACCESS_KEY:-testing}" \
    -e AWS_REGION="$AWS_REGION" -e AWS_DEFAULT_REGION="$AWS_REGION" \
    -v "$RIE_PATH:/usr/local/bin/aws-lambda-rie:ro" \
    --entrypoint /usr/local/bin/aws-lambda-rie \
    "$IMAGE" --runtime-interface-emulator-address "$rie_address" python -m awslambdaric "$handler"
