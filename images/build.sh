#!/usr/bin/env bash
# Build the base image and every service image, tagged $IMAGE_TAG (git short SHA) and latest,
# then print each image's size and what a service adds to the base.
#
#   BASE_IMAGE   the Python image the base starts from (default python:3.12-slim)
#   PIP_CERT     a CA bundle for pip inside the build, passed as a BuildKit secret
#   SERVICES     which service images (default: all)
#   PLATFORM     the platform to build for, e.g. linux/amd64 or linux/arm64 (`make build` passes
#                the workspace's image_architecture); unset: the docker host's own
set -euo pipefail
# shellcheck source=images/common.sh
. "$(dirname "$0")/common.sh"
BASE_IMAGE="${BASE_IMAGE:-python:3.12-slim}"
cd "$ROOT"
need_daemon

args=(build --network host)
if [ -n "${PIP_CERT:-}" ]; then
    [ -r "$PIP_CERT" ] || die "PIP_CERT=$PIP_CERT is not a readable file"
    args+=(--secret "id=pip_cert,src=$PIP_CERT")
fi
[ -n "${BUILD_PROGRESS:-}" ] && args+=(--progress "$BUILD_PROGRESS")
[ -n "${PLATFORM:-}" ] && args+=(--platform "$PLATFORM")

declare -A seconds
build() {
    local name="$1" dockerfile="$2"
    shift 2
    local started
    started=$(date +%s.%N)
    echo "== $IMAGE_PREFIX/$name:$IMAGE_TAG ($dockerfile)"
    # The Dockerfile goes in on stdin: BuildKit syncs a -f file by name, size and mtime, so
    # images/billing/Dockerfile and images/invoice/Dockerfile (same size, and the same mtime in
    # a fresh clone) were taken for one another and billing was built from invoice's file.
    "$DOCKER" "${args[@]}" -f - \
        -t "$IMAGE_PREFIX/$name:$IMAGE_TAG" -t "$IMAGE_PREFIX/$name:latest" "$@" . <"$dockerfile"
    seconds[$name]=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
}

total_started=$(date +%s.%N)
build base Dockerfile.base --build-arg "BASE_IMAGE=$BASE_IMAGE"
for service in $SERVICES; do
    build "$service" "images/$service/Dockerfile" --build-arg "BASE=$IMAGE_PREFIX/base:$IMAGE_TAG"
done
total=$(awk -v s="$total_started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

size() { "$DOCKER" image inspect --format '{{.Size}}' "$IMAGE_PREFIX/$1:$IMAGE_TAG"; }
base_size=$(size base)
echo
echo "images built from BASE_IMAGE=$BASE_IMAGE for ${PLATFORM:-the docker host}, tag $IMAGE_TAG (and latest), in ${total}s:"
printf '  %-28s %10s  %-20s %s\n' image size "adds to base" "build time"
printf '  %-28s %10s  %-20s %ss\n' "$IMAGE_PREFIX/base" "$(human "$base_size")" "-" "${seconds[base]}"
for service in $SERVICES; do
    s=$(size "$service")
    printf '  %-28s %10s  %-20s %ss\n' "$IMAGE_PREFIX/$service" "$(human "$s")" \
        "+$(awk -v d="$((s - base_size))" 'BEGIN { printf "%.1f kB", d / 1e3 }')" "${seconds[$service]}"
done
