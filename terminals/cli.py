"""`terminals`: the front-ends a store or venue runs beside its reader agent.

    terminals counter   the counter POS for staff (terminals.counter)
    terminals kiosk     customer self-service: balance, validity, history, self check-in
    terminals gate      e-ticket validation at an entrance, online and offline

Settings come from the environment (TERMINALS_COUNTER_*, TERMINALS_KIOSK_*, TERMINALS_GATE_*);
flags override them. A bad setting is named and refused, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from terminals.unattended.settings import GateSettings, KioskSettings, UnattendedSettings

_APPS: dict[str, type[UnattendedSettings]] = {"kiosk": KioskSettings, "gate": GateSettings}


def _common(p: argparse.ArgumentParser, env: str, port: int) -> None:
    p.add_argument("--agent", help=f"the reader agent's local API URL ({env}AGENT_URL)")
    p.add_argument("--host", help=f"address to listen on (default 127.0.0.1; {env}HOST)")
    p.add_argument("--port", type=int, help=f"port to listen on (default {port}; {env}PORT)")
    p.add_argument("--language", choices=("vi", "en"), help="default language (vi)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="terminals", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="APP")
    sub.add_parser("counter", help="the counter POS for staff (terminals counter --help)",
                   add_help=False)  # fmt: skip
    kiosk = sub.add_parser("kiosk", help="customer self-service kiosk",
                           description="Customer self-service: scan a QR or tap a card to see "
                           "balance, validity, conditions and history; self check-in.")
    _common(kiosk, "TERMINALS_KIOSK_", 8782)
    kiosk.add_argument("--idle", type=float, help="seconds without a touch before the start "
                       "screen comes back (default 60; TERMINALS_KIOSK_IDLE_S)")
    gate = sub.add_parser("gate", help="e-ticket gate", description="E-ticket validation at an "
                          "entrance: green or red with the reason, online and offline.")
    _common(gate, "TERMINALS_GATE_", 8781)
    gate.add_argument("--name", help="the gate's name on its screen (TERMINALS_GATE_NAME)")
    return parser


def app_settings(args: argparse.Namespace) -> UnattendedSettings:
    """The app's settings: environment, then flags. ValidationError names a bad one."""
    overrides: dict[str, Any] = {"agent_url": args.agent, "host": args.host, "port": args.port,
                                 "language": args.language,
                                 "idle_s": getattr(args, "idle", None),
                                 "name": getattr(args, "name", None)}  # fmt: skip
    cls: type[UnattendedSettings] = _APPS[args.command]
    return cls(**{k: v for k, v in overrides.items() if v is not None})


def explain(exc: ValidationError, command: str) -> str:
    prefix = f"TERMINALS_{command.upper()}_"
    lines = [f"terminals {command}: bad setting"]
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"]) or "?"
        lines.append(f"  {name} ({prefix}{name.upper()}): {error['msg']}"
                     f" (got {error.get('input')!r})")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["counter"]:
        from terminals.counter.cli import main as counter_main

        return counter_main(argv)
    args = build_parser().parse_args(argv)
    try:
        settings = app_settings(args)
    except ValidationError as exc:
        print(explain(exc, args.command), file=sys.stderr)
        return 2
    return serve(args.command, settings)


def serve(command: str, settings: UnattendedSettings) -> int:
    import uvicorn

    if isinstance(settings, GateSettings):
        from terminals.gate.app import create_app as gate_app

        app = gate_app(settings)
    else:
        from terminals.kiosk.app import create_app as kiosk_app

        assert isinstance(settings, KioskSettings)
        app = kiosk_app(settings)
    print(f"{command} on http://{settings.host}:{settings.port}/ (agent {settings.agent_url})")
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # uvicorn exits when it cannot listen (port taken, no rights)
        print(f"terminals {command}: cannot listen on {settings.host}:{settings.port}"
              " (in use, or not allowed): choose another --port", file=sys.stderr)  # fmt: skip
        return int(exc.code or 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
