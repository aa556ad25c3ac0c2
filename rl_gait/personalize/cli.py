"""``rl-gait personalize``: Ray Tune search of one patient's (or a cohort's) body, controller and learner.

Heavy imports (Ray, torch, MuJoCo) happen inside the handler.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

BUDGETS = ("smoke", "quick", "standard", "full")


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by ``rl-gait personalize`` and ``experiments/personalize_cohort.py``."""
    p.add_argument("--budget", choices=BUDGETS, default="smoke",
                   help="sweep size: smoke (a minute or two) | quick (~1 h on 2 cores) | standard | full (cluster)")
    p.add_argument("--out", required=True, type=Path, help="output folder (trials.csv, plot, <patient>/checkpoint)")
    p.add_argument("--storage-path", default=None,
                   help="where Tune keeps the experiment: a local/NFS path or s3://bucket/prefix (default OUT/tune)")
    p.add_argument("--max-concurrent", type=int, default=None,
                   help="running trials at most (default: cluster CPUs / CPUs per trial)")
    p.add_argument("--env-runners", type=int, default=0,
                   help="RLlib env runners per trial (each +1 CPU); 0 = sample in the trial (1 CPU per trial)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray started here (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the learners and the Optuna samplers")
    p.add_argument("--warm-start", default="atlas",
                   help="checkpoint whose policy initialises every trial; 'atlas' (default) = the shipped healthy "
                        "atlas policy, 'none' = random initialisation")
    p.add_argument("--experiment-name", default="personalize", help="Tune experiment name (resume key)")


def warm_start_arg(value: str) -> str | None:
    """``--warm-start`` value: ``atlas`` (the shipped atlas policy), ``none``, or a checkpoint path."""
    if value in ("atlas", "none"):
        return None if value == "none" else value
    return str(Path(value).resolve())


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "personalize",
        help="Ray Tune search of the patient-specific body, PD controller and learner (ASHA + Optuna)",
        description="Fit the patient's PD strength, passive joints and imitation weights by Ray Tune, scoring "
                    "each trial by its fidelity to the patient's level walk. Rerun the same command to resume.",
    )
    p.add_argument("--trial", required=True, action="append", nargs="+", type=Path, metavar="PATH",
                   help="one patient: a GaitTrial folder, the wearable file(s) of one walk, or a reference .npz; "
                        "repeat --trial for a cohort")
    p.add_argument("--address", default=None,
                   help="Ray cluster to use ('auto' = the running cluster, or host:port); default: start a local Ray")
    add_sweep_arguments(p)
    p.set_defaults(func=run)


def sweep_from_args(args: argparse.Namespace, trial_paths: list[Path | list[Path]], address: str | None) -> int:
    """Load the patients, start/connect Ray, run the sweep and print where the results are."""
    from rl_gait.personalize.patients import load_patient
    from rl_gait.personalize.sweep import SweepBudget, init_ray, run_sweep

    patients = [load_patient(path) for path in trial_paths]
    budget = SweepBudget.preset(args.budget).with_trial(
        num_env_runners=args.env_runners, seed=args.seed,
        warm_start=warm_start_arg(args.warm_start))
    print(f"[personalize] {len(patients)} patient(s), budget {budget.name}: {budget.samples_per_patient} trials "
          f"each, up to {budget.trial.max_iterations} iterations per trial", flush=True)
    init_ray(address, num_cpus=args.num_cpus)
    outcome = run_sweep(patients, args.out, budget, storage_path=args.storage_path,
                        experiment_name=args.experiment_name, max_concurrent=args.max_concurrent, seed=args.seed,
                        command=" ".join(shlex.quote(a) for a in sys.argv))
    if outcome.resumed:
        print(f"[personalize] resumed the sweep in {outcome.experiment_path}")
    for pid, best in outcome.patients.items():
        print(f"[personalize] {pid}: best objective {best.objective:.3f} (trial {best.trial_id}, "
              f"{best.n_trials} trials) → {best.checkpoint_dir}")
    print(f"[personalize] trials: {outcome.trials_csv}\n[personalize] plot: {outcome.plot}")
    missing = [p.patient_id for p in patients if p.patient_id not in outcome.patients]
    if missing:
        print(f"error: no finished trial for {', '.join(missing)} — rerun the same command to resume",
              file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    return sweep_from_args(args, list(args.trial), args.address)
