# shellcheck shell=bash
# Shared settings for the images/*.sh scripts (sourced, not run). Every value can be overridden
# from the environment; the Makefile block passes its variables through.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE_PREFIX="${IMAGE_PREFIX:-orderflow}"
SERVICES="${SERVICES:-order invoice billing shipment email}"
if [ -z "${IMAGE_TAG:-}" ]; then
    IMAGE_TAG="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo dev)"
    # A tag must name content (ECR tags are immutable): an uncommitted tree is not the commit,
    # so it gets a suffix hashed from its changes, the same for the same changes.
    _paths=(services images Dockerfile.base .dockerignore)
    if [ "$IMAGE_TAG" != dev ] && [ -n "$(git -C "$ROOT" status --porcelain -- "${_paths[@]}" 2>/dev/null)" ]; then
        _hash="$( { git -C "$ROOT" diff HEAD -- "${_paths[@]}"
                   git -C "$ROOT" ls-files -z --others --exclude-standard -- "${_paths[@]}" |
                       (cd "$ROOT" && xargs -0 -r cat); } | sha1sum | cut -c1-8)"
        IMAGE_TAG="$IMAGE_TAG-dirty-$_hash"
    fi
fi

# A docker client that builds with BuildKit: since 23.x the CLI needs the buildx plugin for
# that; Debian's docker.io client (20.10) has BuildKit built in.
if [ -z "${DOCKER:-}" ]; then
    if docker buildx version >/dev/null 2>&1; then
        DOCKER=docker
    elif [ -x /usr/bin/docker ]; then
        DOCKER=/usr/bin/docker
    else
        DOCKER=docker
    fi
fi
export DOCKER_BUILDKIT=1

die() {
    echo "error: $*" >&2
    exit 1
}

need_daemon() {
    command -v "$DOCKER" >/dev/null 2>&1 || die "no docker client ($DOCKER); run .ci/docker-setup.sh"
    "$DOCKER" info >/dev/null 2>&1 || die "no docker daemon answers ($DOCKER info failed); run .ci/docker-setup.sh"
}

human() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
