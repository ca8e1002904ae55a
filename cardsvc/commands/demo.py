"""`cardsvc demo` (the README's first command): the whole product on the embedded default, with
a demo chain and a month of history, and where to look printed. See `demo_run` for what runs."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cardsvc.commands import demo_history as history
from cardsvc.commands.demo_front import COUNTER_STAFF, DEMO_TERMINAL, Front, front_ends
from cardsvc.commands.demo_run import (
    DEMO_PASSPHRASE,
    Servers,
    customer_codes,
    fresh_folder,
    ledger_keystore,
    load_history,
    ticket_codes,
    voucher_settings,
)
from cardsvc.commands.demo_settings import DemoSettings, port_or_free
from cardsvc.settings import Settings
from cardsvc.wiring import Ledger, build_ledger

_PORTS = (("--port", "the ledger: API, back office, customer page, /docs"),
          ("--agent-port", "the reader agent's local API"), ("--counter-port", "the counter POS"),
          ("--kiosk-port", "the kiosk"), ("--gate-port", "the gate"))  # fmt: skip


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the whole product with a demo chain and its history",
                       description="Settings also come from CARDSVC_DEMO_* (DIR, HOST, PORT, "
                       "AGENT_PORT, ..., VPCD_PORT, PCSCD); a port of 0 (the default) is a "
                       "free one.")  # fmt: skip
    p.add_argument("--dir", help="the demo's folder, recreated on each run (var/demo)")
    p.add_argument("--host", help="where every part listens (127.0.0.1)")
    for flag, what in _PORTS:
        p.add_argument(flag, type=int, help=f"{what} (0: a free port, the default)")
    p.add_argument("--vpcd-port", type=int,
                   help="the vpcd slot of pcscd the emulated card goes into (35963)")  # fmt: skip
    p.add_argument("--no-pcscd", action="store_true",
                   help="the emulated card on an in-process reader, even with pcscd")  # fmt: skip
    p.add_argument("--no-serve", action="store_true", help="load the data, print, and exit")
    p.set_defaults(run=demo)


def demo_settings(args: argparse.Namespace) -> DemoSettings:
    """The environment's CARDSVC_DEMO_*, then the flags given."""
    given = {name: getattr(args, name) for name in ("dir", "host", "port", "agent_port",
             "counter_port", "kiosk_port", "gate_port", "vpcd_port")}  # fmt: skip
    if args.no_pcscd:
        given["pcscd"] = False
    return DemoSettings(**{k: v for k, v in given.items() if v is not None})


def demo(args: argparse.Namespace) -> int:
    try:
        settings = demo_settings(args)
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            print(f"cardsvc demo: bad setting {name} (CARDSVC_DEMO_{name.upper()}): "
                  f"{error['msg']} (got {error.get('input')!r})", file=sys.stderr)  # fmt: skip
        return 2
    folder = fresh_folder(settings.dir)
    keystore = ledger_keystore(folder)
    try:
        print(f"cardsvc demo: loading a month of history into {folder} ...", flush=True)
        token, story = load_history(folder, keystore)
        db = Settings(database_url=f"sqlite:///{folder / 'ledger.db'}")
        ledger = build_ledger(db, keystore=keystore, voucher_settings=voucher_settings())
        try:
            codes = customer_codes(ledger, folder), ticket_codes(ledger, folder, [DEMO_TERMINAL])
            _write_env(folder, db)
            if args.no_serve:
                _print_summary(folder, token, story, codes, None)
                return 0
            return _serve(settings, folder, ledger, token, story, codes)
        finally:
            ledger.close()
    finally:
        keystore.close()


Codes = tuple[list[dict[str, str]], list[dict[str, str]]]  # vouchers, e-tickets


def _serve(settings: DemoSettings, folder: Path, ledger: Ledger, token: str,
           story: history.Story, codes: Codes) -> int:  # fmt: skip
    from cardsvc.api.app import create_app

    servers = Servers()
    stop = threading.Event()
    host = settings.host
    try:
        base = servers.start(create_app(ledger.settings, ledger=ledger), host,
                             port_or_free(host, settings.port), "ledger")  # fmt: skip
        with front_ends(base, token, folder, settings, servers) as front:
            _print_summary(folder, token, story, codes, (base, front))
            stop.wait()
    except KeyboardInterrupt:
        print("\ncardsvc demo: stopping", flush=True)
    finally:
        servers.stop()
    return 0


def _write_env(folder: Path, settings: Settings) -> None:
    """What the command line needs to work on the demo's ledger (`source var/demo/env`)."""
    (folder / "env").write_text(
        f"export CARDSVC_DATABASE_URL='{settings.database_url}'\n"
        f"export CARDKEYS_FILE='{folder / 'ledger-keys.json'}'\n"
        f"export CARDKEYS_PASSPHRASE='{DEMO_PASSPHRASE}'\n"
        "export CARDSVC_VOUCHERS_CODE_PEPPER='cardsvc-demo-pepper'\n",
        encoding="utf-8",
    )


def _print_summary(folder: Path, token: str, story: history.Story, codes: Codes,
                   serving: tuple[str, Front] | None) -> None:  # fmt: skip
    vouchers, tickets = codes
    print("\ncardsvc demo: a chain of 3 stores and 30 days of history "
          f"({story.transactions} transactions, {len(story.cards)} prepaid cards, "
          f"{story.expired} gift cards expired into breakage)")  # fmt: skip
    print(f"  folder           {folder} (SQLite ledger, keystores, QR images)")
    print(
        f"  command line     source {folder / 'env'}   (then cardsvc vouchers ..., on this ledger)"
    )
    print("  sign in (back office, password):")
    for pid, _name, role, store, password in history.PEOPLE:
        print(f"    {pid:<10} {password:<18} {role}{' ' + store if store else ''}")
    print(f"  admin API token  {token}")
    if serving is not None:
        print("  open a shift at the counter (staff, PIN):")
        for staff_id, name, pin in COUNTER_STAFF:
            print(f"    {staff_id:<10} {pin:<18} {name}")
    print("  voucher codes to try on the customer page or the kiosk (QR images, and the QR's")
    print("  text to paste at the kiosk in .txt files beside them):")
    for code in vouchers:
        print(f"    {code['code']}   {code['image']}")
    print("  e-tickets of the event DEMO-FEST for the gate or check-in at the kiosk:")
    for code in tickets:
        print(f"    {code['code']}   {code['image']}")
    if serving is None:
        return
    base, front = serving
    print("where to look:")
    print(f"  back office      {base}/admin/")
    print(f"  finance          {base}/admin/finance")
    print(f"  customer page    {base}/")
    print(f"  API docs         {base}/docs")
    print(f"  health           {base}/v1/health")
    print(f"  counter POS      {front.counter}/")
    print(f"  kiosk            {front.kiosk}/")
    print(f"  gate             {front.gate}/")
    print(f"  reader agent     {front.agent}/v1/health   (the counter, kiosk and gate share it)")
    print(f"  card             emulated DESFire {front.card_uid}, {front.reader}")
    print("stop with Ctrl-C", flush=True)
