#!/usr/bin/env bash
# Sets up, checks the layering and the house style of changed files, builds
# and runs the whole test suite: unit, kernel simulation, store cases on SQLite
# and on a real PostgreSQL started here, and integration tests against real
# `resonate` processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check_layers.sh
bash scripts/check_style.sh format
eval "$(bash scripts/pg.sh start)"
trap 'bash scripts/pg.sh stop >/dev/null 2>&1 || true' EXIT
export RESONATE_TEST_PG
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j2
bash scripts/check_style.sh tidy
ctest --test-dir build --output-on-failure -j2 "$@"
