#!/usr/bin/env bash
# Run one service image locally under the AWS Lambda Runtime Interface Emulator (aws-lambda-rie),
# its AWS calls going to the local stack's emulator (`make run`). Then `make invoke`.
#
#   SERVICE             image to run: order | invoice | billing | shipment | email (required)
#   FUNCTION            function from services/topology.json (default: the image's own;
#                       order-api for order, FUNCTION=order-status for the status projector)
#   NETWORK             host (default: the container shares loopback) or bridge
#   LOCAL_AWS_ENDPOINT  the emulator's URL as the container sees it
#                       (default http://127.0.0.1:4566 with host, http://host.docker.internal:4566 with bridge)
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
    endpoint="${LOCAL_AWS_ENDPOINT:-http://127.0.0.1:4566}"
    net=(--network host)
    rie_address="127.0.0.1:$RIE_PORT"
else
    endpoint="${LOCAL_AWS_ENDPOINT:-http://host.docker.internal:4566}"
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
    -e POWERTOOLS_TRACE_DISABLED=true \
    -v "$RIE_PATH:/usr/local/bin/aws-lambda-rie:ro" \
    --entrypoint /usr/local/bin/aws-lambda-rie \
    "$IMAGE" --runtime-interface-emulator-address "$rie_address" python -m awslambdaric "$handler"
