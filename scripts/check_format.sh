#!/usr/bin/env bash
# clang-format on every C++ file changed since .clang-format came in (so the
# tree is formatted file by file, as files are touched): fails listing the
# files whose formatting differs. `clang-format -i FILE` fixes one. Run by
# scripts/test.sh, i.e. in CI. With --all, every C++ file of the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed" >&2; exit 1; }
if [ "${1:-}" = --all ]; then
  files=$(git ls-files '*.cpp' '*.hpp' '*.h')
else
  base=$(git log --diff-filter=A --format=%H -- .clang-format | tail -n 1)
  if [ -z "$base" ]; then
    files=$(git ls-files --others --modified --exclude-standard '*.cpp' '*.hpp' '*.h')
  else
    # Committed since the base, and changed in the work tree now.
    files=$( { git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.hpp' '*.h'
               git ls-files --others --exclude-standard '*.cpp' '*.hpp' '*.h'; } | sort -u)
  fi
fi
bad=()
for f in $files; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: not formatted (clang-format -i FILE):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: ok ($(echo "$files" | sed '/^$/d' | wc -l) changed files checked)"
