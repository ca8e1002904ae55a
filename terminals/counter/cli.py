"""`terminals` command line: `terminals counter` serves the counter POS for the till's browser.

Settings come from the environment (TERMINALS_COUNTER_*); flags override them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from terminals.counter.settings import CounterSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="terminals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    counter = sub.add_parser("counter", help="serve the counter POS over the reader agent")
    counter.add_argument("--agent", help="the reader agent's local API URL")
    counter.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    counter.add_argument("--port", type=int, help="port to listen on (default 8780)")
    counter.add_argument("--language", choices=("vi", "en"), help="default language")
    return parser


def counter_settings(args: argparse.Namespace) -> CounterSettings:
    overrides: dict[str, Any] = {
        "agent_url": args.agent, "host": args.host, "port": args.port, "language": args.language,
    }  # fmt: skip
    return CounterSettings(**{k: v for k, v in overrides.items() if v is not None})


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from terminals.counter.app import create_app

    args = build_parser().parse_args(argv)
    try:
        settings = counter_settings(args)
    except ValidationError as exc:  # TERMINALS_COUNTER_PORT=abc: a sentence, not a traceback
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()))
            print(f"terminals: error: {where}: {err.get('msg')} (you gave {err.get('input')!r})",
                  file=sys.stderr)  # fmt: skip
        return 2
    print(f"counter on http://{settings.host}:{settings.port}/ (agent {settings.agent_url})")
    try:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="warning")  # fmt: skip
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
