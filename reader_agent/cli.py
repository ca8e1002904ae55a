"""Command line entry point (placeholder until the reader_agent CLI lands)."""

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reader_agent")
    parser.parse_args(argv)
    return 0
