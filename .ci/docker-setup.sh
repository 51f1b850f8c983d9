#!/usr/bin/env bash
# Make a Docker daemon and a Python base image available for the image tests (tests/images).
#
# On a fresh Debian bookworm machine, as root:
#   1. installs docker.io and debootstrap when missing (apt-get);
#   2. starts dockerd in the background when no daemon answers (log: $DOCKERD_LOG);
#   3. builds the base image $ORDERFLOW_BASE_IMAGE (default orderflow/python-base:bookworm) from
#      Debian's own packages, because no container registry is reachable here: debootstrap a
#      minimal bookworm rootfs with python3 + venv, then `docker import` it. Skipped when the
#      image already exists (it is the cache).
#
# It always exits 0: when Docker cannot be made to work it prints "SKIP: <reason>" and the
# image tests skip themselves with a reason naming docker.
set -uo pipefail

BASE_IMAGE="${ORDERFLOW_BASE_IMAGE:-orderflow/python-base:bookworm}"
SUITE="${DEBIAN_SUITE:-bookworm}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/orderflow-dockerd.log}"
WORK_DIR="${DOCKER_SETUP_WORK_DIR:-/var/tmp/orderflow-rootfs}"
# Packages in the base: the interpreter, venv (ensurepip wheels) and a `python` command.
INCLUDE="${DEBOOTSTRAP_INCLUDE:-python3,python3-venv,python-is-python3}"

say() { echo "docker-setup: $*"; }
skip() {
    say "SKIP: $* (image tests will be skipped: docker unavailable)"
    exit 0
}

# A client that can build with BuildKit: the docker CLI only does so without buildx up to 22.x.
pick_client() {
    if docker buildx version >/dev/null 2>&1; then
        echo docker
    elif [ -x /usr/bin/docker ]; then
        echo /usr/bin/docker
    else
        echo docker
    fi
}

# --- 1. packages -------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        skip "missing ${need[*]} and not root, cannot apt-get install"
    fi
    say "installing ${need[*]} (missing)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }; then
        skip "apt-get install ${need[*]} failed"
    fi
else
    say "docker.io and debootstrap already installed, skipping apt-get"
fi

DOCKER="$(pick_client)"
command -v "$DOCKER" >/dev/null 2>&1 || skip "no docker client found"
say "docker client: $DOCKER ($("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null | head -n 1))"

# --- 2. daemon ---------------------------------------------------------------------------
if "$DOCKER" info >/dev/null 2>&1; then
    say "docker daemon already running, not starting one"
else
    [ "$(id -u)" = 0 ] || skip "no docker daemon answers and not root, cannot start dockerd"
    say "starting dockerd in the background (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        sleep 1
    done
    if ! "$DOCKER" info >/dev/null 2>&1; then
        tail -n 20 "$DOCKERD_LOG" 2>/dev/null | sed 's/^/  dockerd: /'
        skip "dockerd did not answer within 60s"
    fi
    say "dockerd is up ($("$DOCKER" info --format '{{.ServerVersion}}, storage {{.Driver}}' 2>/dev/null))"
fi

# --- 3. base image -----------------------------------------------------------------------
if "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    say "base image $BASE_IMAGE exists, skipping debootstrap (cached; docker rmi it to rebuild)"
    exit 0
fi

# The Debian mirror that apt already uses on this machine (deb822 .sources first, then .list).
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    mirror="$(awk -v suite="$SUITE" '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri !~ /security/) { print uri; exit } }
        /^$/ { uri = "" }' "$f")"
    [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
    mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v suite="$SUITE" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $(i+1) == suite) { print $i; exit } }')"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

say "building $BASE_IMAGE: debootstrap --variant=minbase $SUITE from $mirror with $INCLUDE"
rm -rf "$WORK_DIR"
mkdir -p "$WORK_DIR"
started=$(date +%s)
if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$WORK_DIR" "$mirror" >"$WORK_DIR.log" 2>&1; then
    tail -n 20 "$WORK_DIR.log" | sed 's/^/  debootstrap: /'
    rm -rf "$WORK_DIR"
    skip "debootstrap of $SUITE failed (log: $WORK_DIR.log)"
fi
# Nothing of the bootstrap's package cache, docs or translations belongs in the image.
rm -rf "$WORK_DIR"/var/cache/apt/archives/*.deb "$WORK_DIR"/var/lib/apt/lists/* \
    "$WORK_DIR"/var/log/* "$WORK_DIR"/tmp/* \
    "$WORK_DIR"/usr/share/doc/* "$WORK_DIR"/usr/share/man/* "$WORK_DIR"/usr/share/info/* \
    "$WORK_DIR"/usr/share/locale/* 2>/dev/null || true
python_version="$(chroot "$WORK_DIR" python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || echo unknown)"

if ! tar -C "$WORK_DIR" --numeric-owner -c . |
    "$DOCKER" import \
        --change 'ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1' \
        --change 'CMD ["python3"]' \
        --message "debootstrap $SUITE minbase + $INCLUDE from $mirror" \
        - "$BASE_IMAGE" >/dev/null; then
    rm -rf "$WORK_DIR"
    skip "docker import of the rootfs failed"
fi
rm -rf "$WORK_DIR"
size="$("$DOCKER" image inspect --format '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%.1f MB", $1 / 1e6}')"
say "built $BASE_IMAGE (python $python_version, $size) in $(($(date +%s) - started))s"
