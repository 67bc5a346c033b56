#!/usr/bin/env bash
# Prints, one per line, the Debian packages that own the shared libraries BINARY links (ldd), so
# the runtime image installs exactly what the build produced needs; libraries added by a new
# dependency are picked up without editing the Dockerfile. Fails if a library has no owner.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY" >&2
  exit 2
fi

owner() {
  # dpkg records paths as the package shipped them; with merged /usr the loader may report the
  # other spelling (/lib vs /usr/lib), so try the path, its real path and both spellings.
  local lib="$1" real candidate
  real="$(readlink -f "$lib")"
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    if dpkg-query -S "$candidate" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; then
      return 0
    fi
  done
  return 1
}

missing=0
declare -A packages=()
while read -r lib; do
  if pkg="$(owner "$lib")" && [ -n "$pkg" ]; then
    packages["$pkg"]=1
  else
    echo "runtime-packages: no Debian package owns $lib" >&2
    missing=1
  fi
done < <(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')

[ "$missing" -eq 0 ] || exit 1
printf '%s\n' "${!packages[@]}" | sort
