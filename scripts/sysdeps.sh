#!/usr/bin/env bash
# Install (as root) or name (otherwise) the Debian packages the app needs.
#   scripts/sysdeps.sh           - what `make test` needs: Python venv + offscreen Qt, and the
#                                  PostgreSQL server the tests start (scratch_server.py)
#   scripts/sysdeps.sh --window  - also the X11/xcb set a real window needs (`make run`)
set -euo pipefail

pkgs=(libglib2.0-0 libegl1 libgl1 libx11-6 libxkbcommon0 libfontconfig1 libdbus-1-3 poppler-utils
      postgresql)
if [ "${1:-}" = "--window" ]; then
  pkgs+=(libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
         libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0)
fi
# Debian's own python3 needs python3-venv to make the .venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  pkgs+=(python3-venv)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "sysdeps: not a Debian-based system; install the equivalents of: ${pkgs[*]}" >&2
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ]; then
  echo "sysdeps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "sysdeps: these Debian packages are missing. Install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
