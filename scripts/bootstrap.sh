#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine with Python 3.11+:
# Debian packages (when root or sudo is available), the virtual environment, the Python packages.
# Usage: scripts/bootstrap.sh        (sourced by scripts/demo.sh and scripts/test.sh)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CARDSVC_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@" || sudo "$@"
    else
        log "need root to run: $*"
        log "neither root nor sudo is available: install these Debian packages by hand, then re-run."
        return 1
    fi
}

install_debian_packages() {
    local wanted missing=()
    wanted=$(grep -vE '^\s*(#|$)' "$ROOT/scripts/debian-packages.txt")
    for pkg in $wanted; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then log "Debian packages present"; return 0; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        log "apt-get not found; install by hand: ${missing[*]}"; return 1
    fi
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_python() {
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        log "Python 3.11 or newer is required ($PYTHON is $("$PYTHON" --version 2>&1))"; return 1
    fi
}

install_python_packages() {
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating virtual environment in $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
    if [ -f "$stamp" ]; then log "Python packages up to date"; return 0; fi
    log "installing Python packages (first run builds pyscard; takes a minute)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

ensure_python
install_debian_packages
install_python_packages
log "ready: $VENV"
