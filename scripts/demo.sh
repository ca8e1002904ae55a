#!/usr/bin/env bash
# Set everything up on a fresh machine and run the main job: the ledger service on the
# embedded SQLite default with a demo chain (stores, programs, an enrolled terminal, cards)
# loaded. It prints where to look. Extra arguments go to `cardsvc demo` (e.g. --port 9000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/bootstrap.sh"
exec "$VENV/bin/cardsvc" demo "$@"
