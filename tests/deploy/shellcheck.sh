#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repository: *.sh files and files whose first line is a
# sh/bash shebang, outside build trees and node_modules. Fails on any warning, or if none is found.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts=()
while IFS= read -r -d '' f; do
  case "$f" in
    *.sh) scripts+=("$f") ;;
    *) if head -n 1 "$f" 2>/dev/null | grep -Eq '^#!(/usr)?/bin/(env )?(ba|da)?sh([[:space:]]|$)'; then scripts+=("$f"); fi ;;
  esac
done < <(find . \( -path ./.git -o -path './build' -o -path './build-*' -o -name node_modules -o -name .terraform \) -prune \
  -o -type f \( -name '*.sh' -o -perm -u+x \) -print0)

if [ ${#scripts[@]} -eq 0 ]; then
  echo "shellcheck: no shell scripts found" >&2
  exit 1
fi
printf 'shellcheck: %s\n' "${scripts[@]}"
shellcheck --severity=style "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
