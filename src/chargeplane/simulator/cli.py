from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True)


def run_simulator(args: argparse.Namespace) -> None:
    raise SystemExit("the simulator is not built yet")
