"""``rl-gait personalize``: Ray Tune search of one patient's (or a cohort's) body, controller and learner.

Heavy imports (Ray, torch, MuJoCo) happen inside the handler.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rl_gait.envs.cli_options import add_body_model_argument
from rl_gait.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_PARTIAL, RlGaitError

BUDGETS = ("smoke", "quick", "standard", "full")


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by ``rl-gait personalize`` and ``experiments/personalize_cohort.py``."""
    p.add_argument("--budget", choices=BUDGETS, default="smoke",
                   help="sweep size: smoke (a minute or two) | quick (~1 h on 2 cores) | standard | full (cluster)")
    p.add_argument("--out", required=True, type=Path, help="output folder (trials.csv, plot, <patient>/checkpoint)")
    p.add_argument("--storage-path", default=None,
                   help="where Tune keeps the experiment: a local/NFS path or s3://bucket/prefix (default OUT/tune)")
    p.add_argument("--max-concurrent", type=int, default=None,
                   help="trials at once at most (default: what the cluster's CPUs hold, re-read as it grows, "
                        "plus 2 queued for an autoscaler)")
    p.add_argument("--env-runners", type=int, default=0,
                   help="RLlib env runners per trial (each +1 CPU); 0 = sample in the trial (1 CPU per trial)")
    p.add_argument("--num-cpus", type=int, default=None,
                   help="CPUs of a local Ray started here (default: all; ignored when joining a cluster)")
    p.add_argument("--seed", type=int, default=0, help="seed of the learners and the Optuna samplers")
    p.add_argument("--warm-start", default="atlas",
                   help="checkpoint whose policy initialises every trial; 'atlas' (default) = the shipped healthy "
                        "atlas policy, 'none' = random initialisation")
    add_body_model_argument(p)
    p.add_argument("--experiment-name", default="personalize", help="Tune experiment name (resume key)")
    p.add_argument("--write-id-map", type=Path, default=None, metavar="PATH",
                   help="also write the pseudonym -> input path map to PATH (outside --out; identifies patients)")


def warm_start_arg(value: str, body_model: str = "planar") -> str | None:
    """``--warm-start`` value: ``atlas`` (the shipped atlas policy), ``none``, or a checkpoint path; one trained on
    another body than ``body_model`` (``--body-model``) is refused in one line."""
    if value == "none":
        return None
    from rl_gait.learner.checkpoint import check_warm_start_body, read_policy

    check_warm_start_body(value, body_model)  # the atlas prior is planar: a 3D sweep says so here, before Ray
    if value == "atlas":
        return value
    path = str(Path(value).resolve())
    read_policy(path)  # hashes (and signature) verified before Ray starts; an altered checkpoint is one line
    return path


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
                   help="Ray cluster to use ('auto' = the running cluster, or host:port); default: $RAY_ADDRESS "
                        "(set inside `ray job submit`), else start a local Ray")
    add_sweep_arguments(p)
    p.set_defaults(func=run)


def load_cohort(trial_paths: list[Path | list[Path]]) -> tuple[dict[str, tuple[Any, list[Path]]],
                                                               list[tuple[list[Path], RlGaitError]]]:
    """``{patient id: (patient, its input paths)}`` of every input that loads, and the inputs that do not
    with their one-line errors: one bad recording does not sink a cohort. The same recording given twice
    is one patient (the second is listed as skipped)."""
    from rl_gait.personalize.patients import load_patient

    loaded: dict[str, tuple[Any, list[Path]]] = {}
    skipped: list[tuple[list[Path], RlGaitError]] = []
    for path in trial_paths:
        paths = [path] if isinstance(path, str | Path) else list(path)
        try:
            patient = load_patient(path)
        except RlGaitError as err:
            skipped.append((paths, err))
            continue
        if patient.patient_id in loaded:
            skipped.append((paths, RlGaitError(f"same recording as an earlier input (patient {patient.patient_id})",
                                               fix="pass it once")))
            continue
        loaded[patient.patient_id] = (patient, paths)
    return loaded, skipped


def sweep_from_args(args: argparse.Namespace, trial_paths: list[Path | list[Path]], address: str | None) -> int:
    """Load the patients, start/connect Ray, run the sweep and print where the results are.

    Returns an exit code of :mod:`rl_gait.errors`: 0 every patient personalized, 3 (``EXIT_PARTIAL``) the
    others finished but some inputs could not be read, 1 a patient has no finished trial yet (rerun).
    """
    from rl_gait.envs.cli_options import env_config_from_args
    from rl_gait.pseudonym import input_token, recorded_command, redact, write_id_map

    flat = [p for path in trial_paths for p in ([path] if isinstance(path, str | Path) else path)]
    if args.write_id_map is not None:  # refuse a place inside --out before the sweep
        write_id_map(args.write_id_map, {}, args.out)
    warm_start = warm_start_arg(args.warm_start, args.body_model)  # a warm start of another body: one line, first
    loaded, skipped = load_cohort(trial_paths)  # bad input fails here, before Ray is imported
    from rl_gait.learner.ray_session import LIBRARY_LOG, library_logs_to, start_ray
    from rl_gait.personalize.sweep import SweepBudget, run_sweep

    patients = [patient for patient, _ in loaded.values()]
    if not patients and len(skipped) == 1:
        raise skipped[0][1]
    for _, err in skipped:
        print(f"error: {err}" + (" (skipped)" if patients else ""), file=sys.stderr)
    if not patients:
        raise RlGaitError(f"none of the {len(skipped)} patient inputs could be read", fix="see the errors above")
    # what outputs may say about a skipped input: its content hash and its error without names or paths
    skipped_inputs = [{"input": " ".join(input_token(p) for p in paths), "error": redact(str(err), flat)}
                      for paths, err in skipped]
    budget = SweepBudget.preset(args.budget).with_trial(
        num_env_runners=args.env_runners, seed=args.seed, env=env_config_from_args(args),
        warm_start=warm_start)
    print(f"[personalize] {len(patients)} patient(s), {args.body_model} body, budget {budget.name}: "
          f"{budget.samples_per_patient} trials "
          f"each, up to {budget.trial.max_iterations} iterations per trial", flush=True)
    log = library_logs_to(Path(args.out) / LIBRARY_LOG)
    print(f"[personalize] Ray, Tune and library messages: {log.relative_to(Path(args.out))} in the output folder")
    start_ray(address, num_cpus=args.num_cpus)
    outcome = run_sweep(patients, args.out, budget, storage_path=args.storage_path,
                        experiment_name=args.experiment_name, max_concurrent=args.max_concurrent, seed=args.seed,
                        command=recorded_command(getattr(args, "argv", sys.argv[1:]), flat),
                        skipped_inputs=skipped_inputs)
    if outcome.resumed:
        print(f"[personalize] resumed the sweep in {outcome.experiment_path}")
    for pid, best in outcome.patients.items():
        print(f"[personalize] {pid}: best objective {best.objective:.3f} (trial {best.trial_id}, "
              f"{best.n_trials} trials) → {best.checkpoint_dir}")
    print(f"[personalize] trials: {outcome.trials_csv}\n[personalize] plot: {outcome.plot}")
    if args.write_id_map is not None:
        ids = {pid: paths for pid, (_, paths) in loaded.items()}
        print(f"[personalize] id map: {write_id_map(args.write_id_map, ids, args.out)}")
    missing = [p.patient_id for p in patients if p.patient_id not in outcome.patients]
    if missing:
        print(f"error: no finished trial for {', '.join(missing)} — rerun the same command to resume",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    if skipped:
        print(f"[personalize] partial: {len(skipped)} input(s) skipped (listed in sweep.json), "
              f"{len(patients)} patient(s) personalized — exit code {EXIT_PARTIAL}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return sweep_from_args(args, list(args.trial), args.address)
