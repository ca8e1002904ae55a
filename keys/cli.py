"""Command line entry point (placeholder until the keys CLI lands)."""

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="keys")
    parser.parse_args(argv)
    return 0
