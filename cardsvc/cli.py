"""Command line entry point (placeholder until the cardsvc CLI lands)."""

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cardsvc")
    parser.parse_args(argv)
    return 0
