#!/usr/bin/env bash
# Run a built bundle (default: dist/scrutiny-app, from `make bundle`) as on a fresh machine:
# bare environment, empty HOME, empty working folder. tests/test_bundle.py does the same, and more.
#   scripts/bundle_smoke.sh [BUNDLE_DIR]
set -euo pipefail

bundle="$(cd "${1:-dist/scrutiny-app}" && pwd)"
exe="$bundle/scrutiny-app"
[ -x "$exe" ] || { echo "bundle_smoke: no program at $exe (run: make bundle)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/work"
cd "$tmp/work"
run() {
  env -i PATH=/usr/bin:/bin HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" \
    LANG=C.UTF-8 "$@"
}

set -x
run "$exe" --version
run "$exe" demo --db X.db
run "$exe" meetings --db X.db
run "$exe" report --db X.db --meeting 1 --out r.pdf
run "$exe" tracker --db X.db --out t.xlsx
set +x
head -c 5 r.pdf | grep -q '%PDF-' || { echo "bundle_smoke: r.pdf is not a PDF" >&2; exit 1; }
# The GUI, offscreen, for a few seconds: being stopped by the timeout (124) is a pass.
status=0
run env QT_QPA_PLATFORM=offscreen timeout 8 "$exe" --db gui.db || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
  echo "bundle_smoke: the GUI exited with status $status" >&2
  exit 1
fi
echo "bundle_smoke: OK ($(du -sh "$bundle" | cut -f1) in $bundle)"
