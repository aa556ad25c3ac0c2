"""``rl-gait train``: one patient's trial → a trained walking policy (checkpoint + sidecar + learning curve)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rl_gait.envs.cli_options import add_body_model_argument
from rl_gait.learner.params import SAMPLING


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a patient's level-walking policy (RLlib PPO + BC + GAIL, or physics-only PPO)",
        description="Ingest one level walk (or load a saved trial folder), build the patient's reference and "
                    "body, train on rl_gait/LevelWalk-v0 and write DIR/checkpoint (with rl_gait.json) and "
                    "DIR/training.csv.",
    )
    p.add_argument("--trial", required=True, type=Path, nargs="+",
                   help="wearable file(s) or folder (e.g. consecutive StrokeAvatar clips), or a folder written by "
                        "`rl-gait ingest`")
    p.add_argument("--mode", default="hybrid", choices=("hybrid", "physics-only"))
    p.add_argument("--height-m", type=float, default=None, help="subject height (m); default: trial's, else 1.70")
    p.add_argument("--mass-kg", type=float, default=None, help="body mass (kg); default: trial's, else 70")
    p.add_argument("--budget", default="smoke", choices=("smoke", "quick", "standard"))
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--env-runners", type=int, default=SAMPLING.num_env_runners,
                   help="RLlib EnvRunner actors (0 = sample in-process)")
    p.add_argument("--envs-per-runner", type=int, default=SAMPLING.num_envs_per_env_runner)
    p.add_argument("--synchronous", action="store_true",
                   help="RLlib's synchronous iteration: the EnvRunners wait for each update (slower; by default they "
                        "sample the next batch during it, a one-update policy lag that decoupled PPO corrects)")
    p.add_argument("--joint-discriminator", action="store_true",
                   help="hybrid: step the discriminator in RLlib's joint minibatch step instead of on a second thread "
                        "beside the policy (the same learning; the thread is faster where a core is free)")
    p.add_argument("--learners", type=int, default=0, help="0/1 local learner, >=2 DDP learners")
    p.add_argument("--warm-start", default="atlas",
                   help="checkpoint to initialise the policy (hybrid): 'atlas' (default) = the shipped healthy atlas "
                        "policy, 'none' = random initialisation, or a checkpoint folder")
    add_body_model_argument(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def warm_start_arg(value: str, mode: str) -> str | None:
    """``--warm-start``: ``atlas`` (the shipped atlas policy; none in physics-only mode), ``none``, or a path."""
    if value == "none" or (value == "atlas" and mode == "physics-only"):
        return None
    return value if value == "atlas" else str(Path(value).resolve())


def load_trial(paths: list[Path], *, height_m: float | None, mass_kg: float | None):
    """A saved ``GaitTrial`` folder (``trial.json``) or wearable files ingested now."""
    from rl_gait.errors import InputFormatError
    from rl_gait.ingest import GaitTrial, ingest

    for path in paths:
        if not path.exists():
            raise InputFormatError("trial not found", path=path, fix="pass wearable files/a folder or an ingest output")
    if len(paths) == 1 and paths[0].is_dir() and (paths[0] / "trial.json").is_file():
        return GaitTrial.load(paths[0])
    return ingest(list(paths), height_m=height_m, mass_kg=mass_kg)


def run(args: argparse.Namespace) -> int:
    from rl_gait.body import BodyParams
    from rl_gait.envs.cli_options import env_config_from_args
    from rl_gait.learner.checkpoint import check_warm_start_body
    from rl_gait.learner.ray_session import LIBRARY_LOG, library_logs_to
    from rl_gait.pseudonym import input_token, recorded_command
    from rl_gait.reference.patient import reference_for
    from rl_gait.tasks import Task

    warm_start = warm_start_arg(args.warm_start, args.mode)
    if args.mode == "hybrid":  # a warm start of another body: one line, before anything (physics-only takes none)
        check_warm_start_body(warm_start, args.body_model)
    trial = load_trial(args.trial, height_m=args.height_m, mass_kg=args.mass_kg)
    from rl_gait.learner import Budget, build_config, train

    log = library_logs_to(args.out / LIBRARY_LOG)
    print(f"Ray, RLlib and library messages: {log.relative_to(args.out)} in the output folder")
    height = args.height_m or trial.height_m or 1.70
    mass = args.mass_kg or trial.mass_kg or 70.0
    body = BodyParams(height_m=float(height), mass_kg=float(mass))
    task = Task()
    env = env_config_from_args(args, task=task, reference=reference_for(trial, task), body=body)
    env = env.replace(pd=env.pd_params)  # the body model's default PD controller, recorded in the sidecar
    budget = Budget.preset(args.budget)
    config = build_config(mode=args.mode, env=env, seed=args.seed, num_env_runners=args.env_runners,
                          num_envs_per_env_runner=args.envs_per_runner, num_learners=args.learners,
                          warm_start=warm_start, pipelined=not args.synchronous,
                          discriminator_thread=not args.joint_discriminator)
    result = train(config, budget=budget, out_dir=args.out, progress=not args.no_progress,
                   patient_id=trial.subject_id, command=recorded_command(args.argv, args.trial),
                   extra_sidecar={"trial": [input_token(p) for p in args.trial], "paretic_side": trial.paretic_side})
    f = result.fidelity
    print(f"trained {args.mode} policy ({env.body_model} body) for {trial.subject_id}: {result.steps:,} env steps in {result.wall_s:.0f} s")
    print(f"  fidelity: joint RMSE {f['rmse_deg_mean']:.1f}° (r = {f['pearson_r_mean']:.2f}), endpoint "
          f"{f['endpoint_error_cm']:.1f} cm, fall rate {f['fall_rate']:.2f}, speed {f['speed_m_s_sim']:.2f} m/s "
          f"(target {f['speed_m_s_ref']:.2f})")
    print(f"  checkpoint: {result.checkpoint_dir}\n  learning curve: {result.training_csv}")
    return 0
