#!/usr/bin/env bash
# Puts promtool (from Debian's `prometheus` package) at .tools/bin/promtool so `npm test` and
# .ci/run can unit-test the alert rules. Extracts the .deb instead of installing it: no daemon,
# no systemd unit, no root needed beyond apt's download.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.tools/bin/promtool"

if [[ -x "$target" ]]; then
  "$target" --version 2>&1 | head -1
  exit 0
fi
if command -v promtool >/dev/null 2>&1; then
  echo "promtool already on PATH: $(command -v promtool)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  # A fresh container has no package lists yet.
  apt-get update -qq
  apt-get download prometheus
fi
dpkg -x prometheus_*.deb extracted
mkdir -p "$(dirname "$target")"
cp extracted/usr/bin/promtool "$target"
chmod 0755 "$target"
"$target" --version 2>&1 | head -1
