#!/usr/bin/env bash
# The house style (../shared/DESIGN.md), on every C++ file changed since its
# configuration came in, so that the tree gets there file by file as files are
# touched (with --all: every file):
#   format  clang-format (.clang-format); fix a file with `clang-format -i FILE`
#   tidy    clang-tidy (.clang-tidy) on the changed .cpp files, with the build's
#           compile_commands.json (BUILD_DIR, default build); their headers too
# Usage: scripts/check_style.sh format|tidy [--all]. Run by scripts/test.sh (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?format or tidy}
all=${2:-}
config=$([ "$what" = format ] && echo .clang-format || echo .clang-tidy)
tool=$([ "$what" = format ] && echo clang-format || echo clang-tidy)
command -v "$tool" >/dev/null || { echo "check_style: $tool is not installed" >&2; exit 1; }

changed() {
  if [ "$all" = --all ]; then git ls-files '*.cpp' '*.hpp'; return; fi
  local base
  base=$(git log --diff-filter=A --format=%H -- "$config" | tail -n 1)
  { if [ -n "$base" ]; then git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp'
    else git diff --name-only --diff-filter=ACMR HEAD -- '*.cpp' '*.hpp'; fi
    git ls-files --others --exclude-standard '*.cpp' '*.hpp'; } | sort -u
}

files=()
while IFS= read -r f; do
  [ -f "$f" ] || continue
  [ "$what" = tidy ] && [[ "$f" != *.cpp ]] && continue
  files+=("$f")
done < <(changed)

bad=()
if [ "$what" = format ]; then
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
elif [ ${#files[@]} -gt 0 ]; then
  # One clang-tidy per core: a file takes seconds. A file it finds fault with
  # is printed on its own line ("BAD file"), its errors on stderr.
  # GCC's warning flags in the compile database are unknown to clang.
  export BUILD_DIR=${BUILD_DIR:-build}
  while IFS= read -r line; do
    case "$line" in "BAD "*) bad+=("${line#BAD }") ;; *) echo "$line" >&2 ;; esac
  done < <(printf '%s\0' "${files[@]}" | xargs -0 -P "$(nproc)" -n 1 sh -c '
    out=$(clang-tidy -p "$BUILD_DIR" --quiet --extra-arg=-Wno-unknown-warning-option "$1" 2>&1) ||
      { printf "%s\n" "$out" | grep -E "error:" || true; echo "BAD $1"; }' tidy)
fi
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_style: $tool finds fault with:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_style: $tool ok (${#files[@]} changed files)"
