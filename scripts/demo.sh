#!/usr/bin/env bash
# Set everything up on a fresh machine and run the main job: the whole product on the embedded
# SQLite default with a demo chain and a month of its history: the ledger, back office, customer
# page and /docs, a reader agent over an emulated DESFire card, the counter, kiosk and gate. It
# prints where to look. Extra arguments go to `cardsvc demo` (e.g. --port 9000, --no-pcscd).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/bootstrap.sh"
exec "$VENV/bin/cardsvc" demo "$@"
