#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the benchmarks need.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
# What the server's build needs (all the Dockerfile's build stage installs:
# RESONATE_SETUP_MINIMAL=1).
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libpqxx-dev libpq-dev libyaml-cpp-dev
  libsqlite3-dev libssl-dev libjwt-dev googletest libgtest-dev libgmock-dev libcli11-dev
)
minimal=${RESONATE_SETUP_MINIMAL:-}
if [ -z "$minimal" ]; then
  # The tests: a real PostgreSQL, the house style's tools, and podman with
  # podman-compose and debootstrap for the compose suite (scripts/podman.sh).
  packages+=(postgresql postgresql-contrib curl tzdata openssl clang-format clang-tidy
    podman podman-compose runc debootstrap)
  # The end-to-end tests run a worker written in Node (built-ins only); any Node
  # will do, Debian's when the machine has none.
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
[ -n "$minimal" ] && exit 0
# The SDK end-to-end scenarios (tests/sdk) run the real @resonatehq/sdk, pinned
# by tests/sdk/package-lock.json; reinstall only when the lock file changed.
sdk_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/sdk"
if [ -f "$sdk_dir/package-lock.json" ]; then
  lock_sum="$(sha256sum "$sdk_dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -d "$sdk_dir/node_modules" ] || [ "$(cat "$sdk_dir/node_modules/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --prefix "$sdk_dir" --no-audit --no-fund
    echo "$lock_sum" > "$sdk_dir/node_modules/.lock-sha256"
  fi
fi
