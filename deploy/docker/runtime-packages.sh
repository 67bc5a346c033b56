#!/usr/bin/env bash
# Prints, one per line, the Debian packages that own the shared libraries BINARY links (ldd), so
# the runtime image installs exactly what the build produced needs; libraries added by a new
# dependency are picked up without editing the Dockerfile. Fails if a library has no owner.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi

mapfile -t libs < <(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)

# dpkg records paths as the package shipped them; with merged /usr the loader may report the other
# spelling (/lib vs /usr/lib), so each library is looked up as its path, its real path and both
# spellings, all in one dpkg-query call (one call per library takes seconds with many libraries).
declare -A spellings=()
for lib in "${libs[@]}"; do
  real="$(readlink -f "$lib")"
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    spellings["$candidate"]=1
  done
done

declare -A owner=()
# "pkg1, pkg2:arch: /path" -> first package, without its architecture qualifier.
while IFS= read -r line; do
  path="${line##*: }"
  pkg="${line%%: /*}"
  pkg="${pkg%%,*}"
  owner["$path"]="${pkg%%:*}"
done < <(dpkg-query -S "${!spellings[@]}" 2>/dev/null || true)

missing=0
declare -A packages=()
for lib in "${libs[@]}"; do
  real="$(readlink -f "$lib")"
  found=""
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    if [ -n "${owner[$candidate]:-}" ]; then
      found="${owner[$candidate]}"
      break
    fi
  done
  if [ -n "$found" ]; then
    packages["$found"]=1
  else
    echo "runtime-packages: no Debian package owns $lib" >&2
    missing=1
  fi
done

[ "$missing" -eq 0 ] || exit 1
printf '%s\n' "${!packages[@]}" | sort
