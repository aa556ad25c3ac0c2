"""``rl-gait``: the roof of the package. Each stage contributes its own subcommands.

A stage's ``cli`` module exposes ``add_parser(subparsers)``; it registers its subcommands and sets
``func`` on them. Stage CLI modules import their heavy dependencies (MuJoCo, torch, Ray) inside the
handlers, so ``rl-gait ingest`` never starts Ray. Bad input raises :class:`RlGaitError`, printed as one
``error: ...`` line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from rl_gait._version import __version__
from rl_gait.errors import RlGaitError

# data path order: wearable file -> ... -> report; the pipeline (run/demo) is last.
STAGE_CLIS: tuple[str, ...] = (
    "rl_gait.ingest.cli",
    "rl_gait.atlas.cli",
    "rl_gait.learner.cli",
    "rl_gait.personalize.cli",
    "rl_gait.predict.cli",
    "rl_gait.pipeline.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rl-gait",
        description="From one level-ground IMU walk to patient-specific simulated gait on slopes and stairs.",
    )
    parser.add_argument("--version", action="version", version=f"rl_gait {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in STAGE_CLIS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("MUJOCO_GL", "egl")
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what handlers record (rl_gait.pseudonym)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RlGaitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted — finished stages are kept; rerun the same command to resume", file=sys.stderr)
        return 130
    except (FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"error: {err.filename}: {err.strerror} — fix: check the path", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
