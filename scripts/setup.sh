#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests and the benchmarks need.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libboost1.81-dev libboost-json1.81-dev libpqxx-dev libpq-dev libyaml-cpp-dev
  libsqlite3-dev libssl-dev libjwt-dev googletest libgtest-dev libgmock-dev libcli11-dev
  postgresql postgresql-contrib curl tzdata
)
# The end-to-end tests run a worker written in Node (built-ins only); any Node
# will do, Debian's when the machine has none.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
