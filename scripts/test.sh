#!/usr/bin/env bash
# Set everything up on a fresh machine and run the whole test suite: lint, types, unit,
# property, integration on SQLite and a real PostgreSQL, end-to-end through the real pcscd,
# browser tests in headless Chromium, and the benchmarks in smoke mode.
# Extra arguments go to pytest (e.g. scripts/test.sh -k ledger).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/bootstrap.sh"
source "$ROOT/scripts/services.sh"
trap stop_all_services EXIT
export PATH="$VENV/bin:$PATH"

log "ruff"; ruff check cardsvc reader_agent terminals keys tests benchmarks
log "mypy"; mypy

start_postgres
start_pcscd
start_softhsm
export CARDSVC_REQUIRE_SERVERS=1   # a missing server fails the tests instead of skipping them

log "pytest"
python -m pytest tests "$@"
log "benchmarks (smoke mode: each runs once, small sizes)"
CARDSVC_BENCH_SCALE="${CARDSVC_BENCH_SCALE:-smoke}" python -m pytest benchmarks --benchmark-disable -q
log "all tests passed"
