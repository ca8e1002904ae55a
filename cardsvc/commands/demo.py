"""`cardsvc demo` (the README's first command): the whole product on the embedded default, with
a demo chain and a month of history, and where to look printed. See `demo_run` for what runs."""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import Any

from cardsvc.commands import demo_history as history
from cardsvc.commands.demo_run import (
    DEMO_PASSPHRASE,
    Ports,
    Servers,
    agent_and_counter,
    customer_codes,
    fresh_folder,
    ledger_keystore,
    load_history,
    voucher_settings,
)
from cardsvc.settings import Settings
from cardsvc.wiring import Ledger, build_ledger


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the whole product with a demo chain and its history")
    p.add_argument("--dir", default="var/demo", help="the demo's folder (recreated on each run)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("CARDSVC_PORT", "8080")),
                   help="the ledger: API, back office, customer page, /docs")  # fmt: skip
    p.add_argument("--agent-port", type=int, default=8765, help="the reader agent's local API")
    p.add_argument("--counter-port", type=int, default=8780, help="the counter POS")
    p.add_argument("--no-serve", action="store_true", help="load the data, print, and exit")
    p.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    folder = fresh_folder(Path(args.dir))
    keystore = ledger_keystore(folder)
    try:
        print(f"cardsvc demo: loading a month of history into {folder} ...", flush=True)
        token, story = load_history(folder, keystore)
        settings = Settings(database_url=f"sqlite:///{folder / 'ledger.db'}")
        ledger = build_ledger(settings, keystore=keystore, voucher_settings=voucher_settings())
        try:
            codes = customer_codes(ledger, folder)
            _write_env(folder, settings)
            if args.no_serve:
                _print_summary(args, folder, token, story, codes, None)
                return 0
            return _serve(args, folder, ledger, token, story, codes)
        finally:
            ledger.close()
    finally:
        keystore.close()


def _serve(args: argparse.Namespace, folder: Path, ledger: Ledger, token: str,
           story: history.Story, codes: list[dict[str, str]]) -> int:  # fmt: skip
    from cardsvc.api.app import create_app

    ports = Ports(args.host, args.port, args.agent_port, args.counter_port)
    servers = Servers()
    stop = threading.Event()
    try:
        base = servers.start(create_app(ledger.settings, ledger=ledger), args.host, args.port,
                             "ledger")  # fmt: skip
        with agent_and_counter(base, token, folder, ports, servers) as front:
            _print_summary(args, folder, token, story, codes, front)
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


def _print_summary(args: argparse.Namespace, folder: Path, token: str, story: history.Story,
                   codes: list[dict[str, str]], front: dict[str, Any] | None) -> None:  # fmt: skip
    base = f"http://{args.host}:{args.port}"
    print("\ncardsvc demo: a chain of 3 stores and 30 days of history "
          f"({story.transactions} transactions, {len(story.cards)} prepaid cards)")  # fmt: skip
    print(f"  folder           {folder} (SQLite ledger, keystores, QR images)")
    print(
        f"  command line     source {folder / 'env'}   (then cardsvc vouchers ..., on this ledger)"
    )
    print("  sign in (back office, password):")
    for pid, _name, role, store, password in history.PEOPLE:
        print(f"    {pid:<10} {password:<18} {role}{' ' + store if store else ''}")
    print(f"  admin API token  {token}")
    print("  voucher codes to try on the customer page (QR images in the folder):")
    for code in codes:
        print(f"    {code['code']}   {code['image']}")
    if front is None:
        return
    print("where to look:")
    print(f"  back office      {base}/admin/")
    print(f"  finance          {base}/admin/finance")
    print(f"  customer page    {base}/")
    print(f"  API docs         {base}/docs")
    print(f"  health           {base}/v1/health")
    print(f"  counter POS      {front['counter']}/")
    print(f"  reader agent     {front['agent']}/v1/health   (emulated DESFire card "
          f"{front['card_uid']} on an in-process reader)")  # fmt: skip
    print("stop with Ctrl-C", flush=True)
