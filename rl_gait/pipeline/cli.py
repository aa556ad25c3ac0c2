"""``rl-gait run TRIAL... --out DIR`` (the main job) and ``rl-gait demo`` (on the bundled sample patient)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_gait.envs.cli_options import add_body_model_argument, env_config_from_args
from rl_gait.io.jsonio import read_json

BUDGETS = ("smoke", "demo", "quick", "standard")


def add_parser(subparsers) -> None:
    from rl_gait.ingest.cli import add_max_gap_argument

    p = subparsers.add_parser(
        "run", help="main job: ingest -> references -> personalize -> task training -> predict -> report",
        description="From one level-ground walk to report.html. Resumable: rerunning the same command skips "
                    "finished stages (each writes STAGE/done.json with the hash of its inputs).",
    )
    p.add_argument("trial", nargs="+", metavar="TRIAL", help="wearable files or a trial folder (see rl-gait ingest)")
    p.add_argument("--height-m", type=float, default=None)
    p.add_argument("--mass-kg", type=float, default=None)
    p.add_argument("--walk-distance-m", type=float, default=None, help="walked distance (gives the speed)")
    p.add_argument("--speed-m-s", type=float, default=None,
                   help="walking speed if known (treadmill belt speed): stride length = speed x stride time")
    add_max_gap_argument(p)
    p.add_argument("--subject-id", default=None, help="pseudonymous id")
    p.add_argument("--budget", default="quick", choices=BUDGETS,
                   help="smoke (minutes, tests), demo (<= 15 min on 2 cores), quick, standard (cluster)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--write-id-map", type=Path, default=None, metavar="PATH",
                   help="also write the pseudonym -> input path map to PATH (outside --out; identifies the patient)")
    add_body_model_argument(p)
    add_address_argument(p)
    p.set_defaults(func=run)

    d = subparsers.add_parser("demo", help="run the main job on the bundled synthetic sample patient",
                              description="rl-gait run on rl_gait/data/sample_patient (a documented synthetic "
                                          "hemiparetic walk) with the demo budget; prints where the report is.")
    d.add_argument("--out", type=Path, default=Path("runs/demo"))
    d.add_argument("--budget", default="demo", choices=BUDGETS)
    add_body_model_argument(d)
    add_address_argument(d)
    d.set_defaults(func=demo)


def add_address_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--address", default=None,
                   help="Ray cluster to join ('auto' = the running cluster, or host:port); default: $RAY_ADDRESS "
                        "(set inside `ray job submit`), else a local Ray on 2 CPUs")


def run(args: argparse.Namespace) -> int:
    from rl_gait.pipeline.run import PipelineBudget, RunInputs, run_pipeline
    from rl_gait.pseudonym import recorded_command, write_id_map

    inputs = RunInputs(tuple(str(Path(p).resolve()) for p in args.trial), height_m=args.height_m,
                       mass_kg=args.mass_kg, walk_distance_m=args.walk_distance_m, subject_id=args.subject_id,
                       seed=args.seed, speed_m_s=args.speed_m_s, max_gap_s=args.max_gap_s)
    if args.write_id_map is not None:  # refuse a place inside --out before hours of work
        write_id_map(args.write_id_map, {}, args.out)
    report = run_pipeline(inputs, args.out, PipelineBudget.preset(args.budget), env=env_config_from_args(args),
                          command=recorded_command(args.argv, args.trial), address=args.address)
    if args.write_id_map is not None:
        subject = read_json(Path(args.out) / "trial" / "trial.json")["subject_id"]
        print(f"id map: {write_id_map(args.write_id_map, {subject: args.trial}, args.out)}")
    print(f"report: {report}")
    return 0


def demo(args: argparse.Namespace) -> int:
    from rl_gait.pipeline.run import PipelineBudget, RunInputs, run_pipeline
    from rl_gait.pipeline.sample_patient import SAMPLE_CSV, SAMPLE_DIR, SAMPLE_SIDECAR
    from rl_gait.pseudonym import recorded_command

    side = read_json(SAMPLE_DIR / SAMPLE_SIDECAR)
    ing = side["ingest"]
    inputs = RunInputs((str(SAMPLE_DIR / SAMPLE_CSV),), height_m=ing["height_m"], mass_kg=ing["mass_kg"],
                       walk_distance_m=ing["walk_distance_m"], subject_id=side["patient_id"])
    report = run_pipeline(inputs, args.out, PipelineBudget.preset(args.budget), env=env_config_from_args(args),
                          command=recorded_command(args.argv, []), address=args.address)
    print(f"\nreport: {report.resolve()}  (open it in a browser; it is self-contained)")
    return 0
