"""``rl-gait predict --checkpoint DIR [--trial DIR] [--tasks ...] --out DIR``: task predictions;
``rl-gait predict --healthy [--trial DIR] --out DIR``: the healthy control (shipped healthy prior, a healthy
body of the patient's size)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_gait.envs.cli_options import add_body_model_argument
from rl_gait.predict.settings import FAMILIES


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "predict", help="seeded rollouts per task & difficulty -> predictions.json, verdicts",
        description="Roll a patient's policy out on level ground, slopes and stairs at several difficulty levels "
                    "with small perturbations; write OUT/predictions.json (schema rl_gait.predictions/1) and "
                    "OUT/curves.npz and print a summary table. With --healthy: the healthy control — the shipped "
                    "healthy prior walking a healthy body of the patient's size (the default body without "
                    "--trial) on the healthy atlas references, same levels, seeds and perturbations.",
    )
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="a training output (or its checkpoint/); required unless --healthy (default there: the "
                        "shipped healthy prior rl_gait/data/atlas_policy)")
    p.add_argument("--healthy", action="store_true",
                   help="predict for a healthy body of the patient's size (--trial) or the default body")
    p.add_argument("--trial", type=Path, default=None,
                   help="the patient's GaitTrial folder (rl-gait ingest --out); default: healthy references")
    p.add_argument("--tasks", nargs="+", default=list(FAMILIES), choices=FAMILIES, metavar="FAMILY",
                   help=f"task families (default: all of {', '.join(FAMILIES)})")
    p.add_argument("--slopes-deg", nargs="+", type=float, default=None, help="slope grades (default 2.5 … 12.5)")
    p.add_argument("--stairs-cm", nargs="+", type=float, default=None, help="stair rises in cm (default 8 … 20)")
    p.add_argument("--n-rollouts", type=int, default=20)
    p.add_argument("--duration-s", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--evaluate-untrained-strategies", action="store_true",
                   help="also roll out stair strategies (step-to) the checkpoint was not trained on; their entries say "
                        "so and the verdict does not use them")
    p.add_argument("--push-n", type=float, default=None, help="push force on the pelvis (N); 0 disables")
    add_body_model_argument(p, from_checkpoint=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace):
    from dataclasses import replace

    from rl_gait.predict.settings import Perturbations, PredictionSettings

    s = PredictionSettings(families=tuple(args.tasks), n_rollouts=args.n_rollouts, duration_s=args.duration_s,
                           seed=args.seed, evaluate_untrained_strategies=args.evaluate_untrained_strategies)
    if args.slopes_deg:
        s = replace(s, slope_grades_deg=tuple(args.slopes_deg))
    if args.stairs_cm:
        s = replace(s, stair_heights_m=tuple(h / 100.0 for h in args.stairs_cm))
    if args.push_n is not None:
        s = replace(s, perturbations=replace(Perturbations(), push_force_n=args.push_n))
    return s


def run(args: argparse.Namespace) -> int:
    from rl_gait.errors import RlGaitError
    from rl_gait.predict.predict import predict_from_checkpoint, predict_healthy_control
    from rl_gait.predict.table import print_predictions
    from rl_gait.pseudonym import recorded_command

    settings = settings_from_args(args)
    command = recorded_command(args.argv, [args.trial] if args.trial else [])
    check_checkpoint_body_model(args)
    if args.healthy:
        doc = predict_healthy_control(trial_dir=args.trial, checkpoint=args.checkpoint, settings=settings,
                                      out_dir=args.out, command=command)
    else:
        if args.checkpoint is None:
            raise RlGaitError("--checkpoint is required", fix="pass a task-trained checkpoint, or --healthy for "
                                                              "the healthy control with the shipped prior")
        doc = predict_from_checkpoint(args.checkpoint, trial_dir=args.trial, settings=settings, out_dir=args.out,
                                      command=command)
    print_predictions(doc)
    print(f"wrote {args.out / 'predictions.json'}")
    return 0


def check_checkpoint_body_model(args: argparse.Namespace) -> None:
    """Predictions roll a policy out on the body model it was trained on (its sidecar's ``env_config``): a
    ``--body-model`` that disagrees is refused in one line, before any rollout."""
    if args.body_model is None:
        return
    from rl_gait.envs.cli_options import check_body_model
    from rl_gait.learner.checkpoint import (
        ATLAS_POLICY_DIR,
        atlas_policy_dir,
        env_config_from_sidecar,
        read_sidecar,
        resolve_checkpoint_dir,
    )

    if args.checkpoint is None:
        if not args.healthy:
            return  # --checkpoint is required: refused in run()
        shipped = atlas_policy_dir()
        if shipped is None:
            return  # refused by predict_healthy_control, with its fix
        ckpt = shipped
    else:
        ckpt = resolve_checkpoint_dir(args.checkpoint)
    recorded = env_config_from_sidecar(read_sidecar(ckpt, verify=False)).body_model
    check_body_model(args.body_model, recorded, "the shipped healthy prior" if ckpt == ATLAS_POLICY_DIR else ckpt)
