#!/usr/bin/env bash
# Start and stop the real servers the tests and the demo use: pcscd (with vpcd), PostgreSQL on a
# loopback port, and a fresh SoftHSM2 token directory. Sourced by scripts/test.sh and demo.sh;
# every start_* exports what the tests read, every stop_* undoes only what its start_* did.
RUN_DIR="${CARDSVC_RUN_DIR:-$ROOT/.run}"
mkdir -p "$RUN_DIR"

svc_log() { printf '\033[1m[services]\033[0m %s\n' "$*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- pcscd ---------------------------------------------------------------------------------
PCSCD_STARTED_BY_US=0
pcscd_pid() { tr -d '\0\n ' < /run/pcscd/pcscd.pid 2>/dev/null; }  # the file may hold a NUL
pcscd_running() { local pid; pid=$(pcscd_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start_pcscd() {
    if pcscd_running; then svc_log "pcscd already running"; export CARDSVC_PCSCD=1; return 0; fi
    local bin; bin=$(command -v pcscd || echo /usr/sbin/pcscd)
    [ -x "$bin" ] || { svc_log "pcscd not installed"; return 1; }
    # A stale pid/socket from a killed daemon makes a new one refuse to start.
    rm -f /run/pcscd/pcscd.pid /run/pcscd/pcscd.comm 2>/dev/null || true
    if [ "$(id -u)" != 0 ]; then as_root mkdir -p /run/pcscd && as_root chown "$(id -u)" /run/pcscd; fi
    setsid "$bin" --foreground > "$RUN_DIR/pcscd.log" 2>&1 < /dev/null &
    for _ in $(seq 1 50); do pcscd_running && break; sleep 0.1; done
    pcscd_running || { svc_log "pcscd did not start; see $RUN_DIR/pcscd.log"; return 1; }
    PCSCD_STARTED_BY_US=1; export CARDSVC_PCSCD=1
    svc_log "pcscd started (pid $(pcscd_pid))"
}

stop_pcscd() {
    [ "$PCSCD_STARTED_BY_US" = 1 ] || return 0
    local pid; pid=$(pcscd_pid || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    svc_log "pcscd stopped"
}

# --- PostgreSQL ------------------------------------------------------------------------------
PG_DIR=""
pg_bin() {
    local found; found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$found" ]; then echo "$found"; else dirname "$(command -v initdb)"; fi
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
    if [ -n "${CARDSVC_TEST_PG_URL:-}" ]; then svc_log "using PostgreSQL at CARDSVC_TEST_PG_URL"; return 0; fi
    local bin port; bin=$(pg_bin); port="${CARDSVC_TEST_PG_PORT:-$(free_port)}"
    [ -x "$bin/initdb" ] || { svc_log "PostgreSQL not installed (initdb not found)"; return 1; }
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cardsvc-pg.XXXXXX")
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync > "$RUN_DIR/pg-init.log" 2>&1
    as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=200 -c fsync=on" start > /dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres cardsvc_test
    export CARDSVC_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/cardsvc_test"
    svc_log "PostgreSQL started on 127.0.0.1:$port"
}

stop_postgres() {
    [ -n "$PG_DIR" ] || return 0
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null 2>&1 || true
    rm -rf "$PG_DIR"; PG_DIR=""
    svc_log "PostgreSQL stopped"
}

# --- SoftHSM2 --------------------------------------------------------------------------------
HSM_DIR=""
start_softhsm() {
    local lib
    lib=$(ls /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so 2>/dev/null | head -n 1)
    [ -n "$lib" ] || { svc_log "SoftHSM2 not installed"; return 1; }
    HSM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cardsvc-hsm.XXXXXX")
    mkdir -p "$HSM_DIR/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$HSM_DIR" > "$HSM_DIR/softhsm2.conf"
    export SOFTHSM2_CONF="$HSM_DIR/softhsm2.conf" CARDSVC_PKCS11_MODULE="$lib"
    svc_log "SoftHSM2 token directory ready ($lib)"
}

stop_softhsm() { [ -n "$HSM_DIR" ] && rm -rf "$HSM_DIR"; HSM_DIR=""; }

stop_all_services() { stop_postgres; stop_pcscd; stop_softhsm; }
