#!/usr/bin/env bash
# podman on this kind of machine: no Docker engine and no image registry, so
# the images docker-compose.yml names are made here from Debian's packages
# (../shared/notes/containers.md).
#
#   scripts/podman.sh setup           containers.conf that works in this VM, and
#                                     localhost/debian:12 made with debootstrap
#   scripts/podman.sh images [BINARY] setup, then localhost/resonate-postgres:15
#                                     and localhost/resonate:latest. With BINARY
#                                     (an already built `resonate`), the node image
#                                     is the Dockerfile's runtime stage plus it;
#                                     without, the whole Dockerfile builds it.
# Idempotent: what exists is kept (podman's layer cache does the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?setup or images}

setup() {
  command -v podman >/dev/null && command -v debootstrap >/dev/null && command -v podman-compose >/dev/null ||
    { echo "podman.sh: podman, podman-compose and debootstrap come with scripts/setup.sh" >&2; exit 1; }
  # This VM gives no CAP_SYS_RESOURCE (podman's default rlimits fail) and runs
  # cgroups in hybrid mode (crun and the systemd manager fail): runc on cgroupfs.
  local conf=/etc/containers/containers.conf
  if ! grep -qs 'cgroup_manager = "cgroupfs"' "$conf"; then
    mkdir -p /etc/containers
    cat > "$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
  fi
  if ! podman image exists localhost/debian:12; then
    local mirror rootfs
    # The Debian mirror apt already uses (deb822 or one-line sources).
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $1; exit}')
    [ -n "$mirror" ] || mirror=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      grep -oE 'https?://[^ ]+' | grep -v security | head -1)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    rootfs=$(mktemp -d /tmp/rootfs-bookworm.XXXXXX)
    echo "podman.sh: debian:12 from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/podman-debootstrap.log 2>&1 ||
      { tail -20 /tmp/podman-debootstrap.log >&2; exit 1; }
    tar -C "$rootfs" -c . | podman import - localhost/debian:12 >/dev/null
    rm -rf "$rootfs"
  fi
  # The Dockerfiles say debian:12, which podman resolves to docker.io's name.
  podman tag localhost/debian:12 docker.io/library/debian:12
}

images() {
  local binary=${1:-}
  setup
  podman build --network host -q -t localhost/resonate-postgres:15 deploy/postgres >/dev/null
  if [ -z "$binary" ]; then
    podman build --network host -q -t localhost/resonate:latest . >/dev/null
  else
    podman build --network host -q --target runtime -t localhost/resonate-runtime:latest . >/dev/null
    local ctx
    ctx=$(mktemp -d /tmp/resonate-image.XXXXXX)
    strip -o "$ctx/resonate" "$binary"  # its debug info is 200 MB
    printf 'FROM localhost/resonate-runtime:latest\nCOPY resonate /usr/local/bin/resonate\n' > "$ctx/Dockerfile"
    podman build -q -t localhost/resonate:latest "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'resonate' || true
}

case "$what" in
  setup) setup ;;
  images) images "${2:-}" ;;
  *) echo "podman.sh: setup or images" >&2; exit 2 ;;
esac
