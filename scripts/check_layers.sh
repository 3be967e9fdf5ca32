#!/usr/bin/env bash
# The layering of the top-level CMakeLists.txt, checked on the includes: each
# folder may include only the folders its layer allows. Includes that cross it
# today are listed in scripts/layering_debt.txt (one "file -> include" a line);
# the check fails on any crossing not listed there, and on a listed one that is
# gone (so that the list only shrinks). Run by scripts/test.sh, i.e. in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# folder -> the folders it may include (itself always).
declare -A allowed=(
  [queues]=""
  [config]=""
  [codecs]="queues"
  [kernel]="queues"
  [aio_adapters]="queues config codecs"
  [api_gateway]="queues config codecs"
  [cli]="queues config codecs api_gateway aio_adapters"
  [actors]="queues config codecs kernel aio_adapters api_gateway cli"
)
layers="queues config codecs kernel aio_adapters api_gateway cli actors"

found=$(mktemp)
trap 'rm -f "$found"' EXIT
for dir in $layers; do
  [ -d "$dir" ] || continue
  grep -rnoE '#include "[a-z_0-9]+/[^"]+"' "$dir" --include='*.cpp' --include='*.hpp' --include='*.h' |
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=${hit#*#include \"}
    inc=${inc%\"}
    top=${inc%%/*}
    [ "$top" = "$dir" ] && continue
    case " $layers " in *" $top "*) ;; *) continue ;; esac  # not a project folder
    case " ${allowed[$dir]} " in *" $top "*) continue ;; esac
    echo "$file -> $inc"
  done
done | sort -u > "$found"

debt=scripts/layering_debt.txt
new=$(comm -23 "$found" <(grep -v '^#' "$debt" | sed '/^$/d' | sort -u))
gone=$(comm -13 "$found" <(grep -v '^#' "$debt" | sed '/^$/d' | sort -u))
status=0
if [ -n "$new" ]; then
  echo "check_layers: includes that cross the layering (CMakeLists.txt):" >&2
  echo "$new" >&2
  status=1
fi
if [ -n "$gone" ]; then
  echo "check_layers: fixed, remove from $debt:" >&2
  echo "$gone" >&2
  status=1
fi
[ $status = 0 ] && echo "check_layers: ok ($(wc -l < "$found") known crossings in $debt)"
exit $status
