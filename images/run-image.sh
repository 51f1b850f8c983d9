#!/usr/bin/env bash
# Run one service image locally behind Lambda's Invoke endpoint on 127.0.0.1:$RIE_PORT, its AWS
# calls going to the local stack's emulator (`make run`). Then `make invoke`.
# With aws-lambda-rie (at RIE_PATH) the container runs under it. Without it (it cannot be downloaded
# everywhere), the image's own `python -m awslambdaric` runs against the project's Runtime API
# server (services/local/runtime) and services/local/images/run_runtime_api.py serves the same Invoke endpoint.
#
#   SERVICE             image to run: order | invoice | billing | shipment | email (required)
#   FUNCTION            function from services/topology.json (default: the image's own;
#                       order-api for order, FUNCTION=order-status for the status projector)
#   NETWORK             host (default: the container shares loopback) or bridge
#   LOCAL_AWS_ENDPOINT  the emulator's URL as the container sees it (default: the running stack's,
#                       from its state file $ORDERFLOW_STATE_DIR/stack.json, else .local/stack.json;
#                       with bridge, its host is host.docker.internal)
#   RIE_PORT            where the emulator listens on this machine (default 9000)
#   CONTAINER_NAME      the container's name (default orderflow-rie-$SERVICE)
#   RIE_PATH            the aws-lambda-rie binary (default .local/aws-lambda-rie); absent: the
#                       project's Runtime API server instead (RIE_DOWNLOAD=1 downloads it first)
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

CONTAINER_NAME="${CONTAINER_NAME:-orderflow-rie-$SERVICE}"
need_daemon
"$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1 || die "no image $IMAGE: run \`make build\` first"

if [ ! -x "$RIE_PATH" ] && [ "${RIE_DOWNLOAD:-0}" = 1 ]; then
    case "$(uname -m)" in
        aarch64 | arm64) asset=aws-lambda-rie-arm64 ;;
        *) asset=aws-lambda-rie ;;
    esac
    rie_url="https://github.com/aws/aws-lambda-runtime-interface-emulator/releases/latest/download/$asset"
    echo "aws-lambda-rie not found at ${RIE_PATH#"$ROOT"/}: downloading $rie_url"
    mkdir -p "$(dirname "$RIE_PATH")"
    if curl -fsSL --connect-timeout 10 --max-time 120 -o "$RIE_PATH.part" "$rie_url"; then
        chmod +x "$RIE_PATH.part"
        mv "$RIE_PATH.part" "$RIE_PATH"
    else
        rm -f "$RIE_PATH.part"
        echo "could not download aws-lambda-rie: using the project's Runtime API server instead" >&2
    fi
fi

env_file="$ROOT/.local/run-image-$FUNCTION.env"
mkdir -p "$ROOT/.local"
"$PY" -m services.local.images.lambda_env "$FUNCTION" --region "$AWS_REGION" >"$env_file"
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
common_env=(
    --env-file "$env_file"
    -e AWS_ENDPOINT_URL="$endpoint"
    -e AWS_ACCESS_KEY_ID="${LOCAL_AWS_ACCESS_KEY_ID:-testing}"
    -e AWS_SECRET_ACCESS_KEY="${LOCAL_AWS_SECRET_ACCESS_KEY:-testing}"
    -e AWS_REGION="$AWS_REGION" -e AWS_DEFAULT_REGION="$AWS_REGION"
    -e POWERTOOLS_TRACE_DISABLED=true
)
echo "invoke it with: make invoke SERVICE=$SERVICE EVENT=tests/events/<event>.json"

if [ -x "$RIE_PATH" ]; then
    echo "running $IMAGE as $FUNCTION ($handler) under aws-lambda-rie on 127.0.0.1:$RIE_PORT, AWS at $endpoint"
    exec "$DOCKER" run --rm --init --name "$CONTAINER_NAME" "${net[@]}" "${common_env[@]}" \
        -v "$RIE_PATH:/usr/local/bin/aws-lambda-rie:ro" \
        --entrypoint /usr/local/bin/aws-lambda-rie \
        "$IMAGE" --runtime-interface-emulator-address "$rie_address" python -m awslambdaric "$handler"
fi

# No aws-lambda-rie: the image's awslambdaric against the project's Runtime API server.
if [ "$NETWORK" = host ]; then
    bind=127.0.0.1 advertise=127.0.0.1 runtime_net=(--network host)
else
    bind="$("$DOCKER" network inspect bridge --format '{{(index .IPAM.Config 0).Gateway}}')"
    advertise=host.docker.internal runtime_net=(--add-host host.docker.internal:host-gateway)
fi
function_name="$(sed -n 's/^AWS_LAMBDA_FUNCTION_NAME=//p' "$env_file")"
timeout="$(sed -n 's/^AWS_LAMBDA_FUNCTION_TIMEOUT=//p' "$env_file")"
memory="$(sed -n 's/^AWS_LAMBDA_FUNCTION_MEMORY_SIZE=//p' "$env_file")"
echo "running $IMAGE as $FUNCTION ($handler): aws-lambda-rie not found at ${RIE_PATH#"$ROOT"/}, so its"
echo "  awslambdaric runs against the project's Runtime API server; invoke on 127.0.0.1:$RIE_PORT, AWS at $endpoint"
lambda_env=()
for name in AWS_LAMBDA_RUNTIME_API AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_VERSION \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_TIMEOUT AWS_LAMBDA_LOG_GROUP_NAME \
    AWS_LAMBDA_LOG_STREAM_NAME; do
    lambda_env+=(-e "$name")
done
exec "$PY" -m services.local.images.run_runtime_api --function "${function_name:-$FUNCTION}" --port "$RIE_PORT" \
    --timeout "${timeout:-30}" --memory "${memory:-256}" --bind "$bind" --advertise "$advertise" -- \
    "$DOCKER" run --rm --init --name "$CONTAINER_NAME" "${runtime_net[@]}" "${common_env[@]}" \
    "${lambda_env[@]}" "$IMAGE" "$handler"
