"""Personalize a cohort in one Ray Tune sweep (each patient its own Optuna study and ASHA).

On a cluster (runs on the head node, joins the running cluster with ``--address auto``)::

    ray submit cluster/aws.yaml experiments/personalize_cohort.py -- \
        --trials-dir ~/data/patients --budget standard --storage-path s3://BUCKET/rl_gait/tune --out ~/runs/cohort

As a Ray job (uploads the repository without outputs, virtualenvs or Ray temp dirs)::

    ray job submit --address http://127.0.0.1:8265 --working-dir . \
        --runtime-env cluster/job_runtime_env.yaml -- \
        python experiments/personalize_cohort.py --trials-dir /mnt/rl_gait/patients --budget standard \
        --storage-path /mnt/rl_gait/tune --out /mnt/rl_gait/runs/cohort

On a laptop: ``python experiments/personalize_cohort.py --address local --trial A --trial B --out runs/cohort``.
Rerunning the same command resumes an interrupted sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rl_gait.errors import RlGaitError
from rl_gait.personalize.cli import add_sweep_arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials-dir", type=Path, default=None,
                        help="folder with one patient input per entry (GaitTrial folder, wearable file, reference .npz)")
    parser.add_argument("--trial", action="append", nargs="+", type=Path, default=[], metavar="PATH",
                        help="one patient's input file(s) (repeatable; added to --trials-dir)")
    parser.add_argument("--address", default="auto",
                        help="'auto' = the running cluster (default; ray submit / ray job), host:port, or 'local'")
    add_sweep_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rl_gait.personalize.cli import sweep_from_args
    from rl_gait.personalize.patients import discover_patients

    args = build_parser().parse_args(argv)
    paths = (discover_patients(args.trials_dir) if args.trials_dir else []) + list(args.trial)
    if not paths:
        raise RlGaitError("no patients given", fix="pass --trials-dir DIR or --trial PATH")
    return sweep_from_args(args, paths, None if args.address == "local" else args.address)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RlGaitError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
