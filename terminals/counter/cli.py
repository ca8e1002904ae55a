"""`terminals` command line: `terminals counter` serves the counter POS for the till's browser.

Settings come from the environment (TERMINALS_COUNTER_*); flags override them. A setting that
is wrong is said in one line naming it (a bad port, an unknown language), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from terminals.counter.settings import CounterSettings

ENV_PREFIX = "TERMINALS_COUNTER_"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="terminals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    counter = sub.add_parser(
        "counter", help="serve the counter POS over the reader agent",
        description="The counter POS: card sales, top-ups, sales and refunds by card; vouchers, "
        "gift cards and e-tickets by code or QR (scanner or camera); receipts; shifts with a "
        f"PIN. Settings: {ENV_PREFIX}* environment variables (see the README); flags win.",
    )  # fmt: skip
    counter.add_argument("--agent", help="the reader agent's local API URL "
                         "(default http://127.0.0.1:8765)")  # fmt: skip
    counter.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    counter.add_argument("--port", help="port to listen on, 1-65535 (default 8780)")
    counter.add_argument("--language", help="default language: vi (default) or en")
    return parser


def counter_settings(args: argparse.Namespace) -> CounterSettings:
    overrides: dict[str, Any] = {
        "agent_url": args.agent, "host": args.host, "port": args.port, "language": args.language,
    }  # fmt: skip
    return CounterSettings(**{k: v for k, v in overrides.items() if v is not None})


def explain(error: ValidationError) -> str:
    """One line per wrong setting: its environment name, the value, and what it must be."""
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or "settings"
        shown = problem.get("input")
        value = f" {shown!r}" if isinstance(shown, str | int | float) else ""
        lines.append(f"terminals: setting {name} ({ENV_PREFIX}{name.upper()}, or --{name}):"
                     f"{value} is not valid: {problem['msg']}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = counter_settings(args)
    except ValidationError as exc:
        print(explain(exc), file=sys.stderr)
        return 2
    import uvicorn

    from terminals.counter.app import create_app

    print(f"counter on http://{settings.host}:{settings.port}/ (agent {settings.agent_url})")
    try:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="warning")  # fmt: skip
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"terminals: cannot listen on {settings.host}:{settings.port}: {exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
