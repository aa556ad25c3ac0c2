"""Learning curve of ``rl-gait train``'s learner on one patient: fidelity vs env steps, fixed seeds.

Trains exactly as ``rl-gait train --mode MODE`` does (the project's defaults for runners, envs and PPO
sizes unless overridden), but for a fixed number of env steps with fidelity (joint RMSE, fall rate,
endpoint error: ``rl_gait.learner.evaluate``, seeds 10000 + seed) measured every ``--eval-every``
iterations, so that two versions of the code can be compared per env step on the same patient and
seeds. Writes OUT/training.csv (one row per iteration) and prints the evaluated rows.

    python benchmarks/learning_curve.py --trial TRIAL_DIR --out runs/curve/A --env-steps 200000

Run it with ``PYTHONPATH`` pointing at each version of the code, or ``--rllib-runner`` for RLlib's EnvRunner in place
of the lean one, ``--joint-discriminator`` for RLlib's joint minibatch step in place of the discriminator's thread
(docs/throughput.md).
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path


def _train_cli_sampling_defaults() -> dict[str, int]:
    """``rl-gait train``'s defaults for ``--env-runners`` / ``--envs-per-runner`` in the code that runs."""
    from rl_gait.learner.cli import add_parser

    sub = argparse.ArgumentParser().add_subparsers()
    add_parser(sub)
    train = sub.choices["train"]
    return {"num_env_runners": train.get_default("env_runners"),
            "num_envs_per_env_runner": train.get_default("envs_per_runner")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trial", required=True, type=Path, help="a folder written by `rl-gait ingest`")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--mode", default="hybrid", choices=("hybrid", "physics-only"))
    ap.add_argument("--env-steps", type=int, default=200_000)
    ap.add_argument("--wall-s", type=float, default=3600.0, help="stop after this much training time anyway")
    ap.add_argument("--eval-every", type=int, default=5, help="iterations between fidelity measurements")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rllib-runner", action="store_true",
                    help="sample with RLlib's SingleAgentEnvRunner instead of rl_gait's LeanEnvRunner (the default)")
    ap.add_argument("--joint-discriminator", action="store_true",
                    help="step the discriminator in RLlib's joint minibatch step, not on its own thread (the default)")
    ap.add_argument("--disc-num-epochs", default=None,
                    help="hybrid: the discriminator's passes over each batch (ImitationParams.disc_num_epochs; "
                         "'all' = a step on every minibatch)")
    ap.add_argument("--disc-lr", type=float, default=None, help="hybrid: the discriminator's Adam learning rate")
    ap.add_argument("--synchronous", action="store_true", help="RLlib's synchronous iteration (no policy lag)")
    ap.add_argument("--envs-per-runner", type=int, default=None, help="override `rl-gait train`'s default")
    ap.add_argument("--num-epochs", type=int, default=None, help="override PPO's passes over each batch")
    ap.add_argument("--kl-coeff", type=float, default=None, help="PPO's initial KL coefficient (0 = no KL term)")
    args = ap.parse_args()

    from rl_gait.body import BodyParams, PDParams
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import Budget, build_config, train
    from rl_gait.learner.cli import load_trial
    from rl_gait.learner.params import ImitationParams
    from rl_gait.reference.patient import reference_for
    from rl_gait.tasks import Task

    trial = load_trial([args.trial], height_m=None, mass_kg=None)
    body = BodyParams(height_m=float(trial.height_m or 1.70), mass_kg=float(trial.mass_kg or 70.0))
    task = Task()
    env = WalkEnvConfig(task=task, reference=reference_for(trial, task), body=body, pd=PDParams.default_for(body))
    imitation = None
    if args.mode == "hybrid" and (args.disc_num_epochs is not None or args.disc_lr is not None):
        epochs = {} if args.disc_num_epochs is None else {
            "disc_num_epochs": None if args.disc_num_epochs == "all" else float(args.disc_num_epochs)}
        imitation = ImitationParams(**epochs, **({"disc_lr": args.disc_lr} if args.disc_lr is not None else {}))
    config = build_config(mode=args.mode, env=env, seed=args.seed, imitation=imitation,
                          warm_start="atlas" if args.mode == "hybrid" else None, lean_sampling=not args.rllib_runner,
                          discriminator_thread=not args.joint_discriminator, pipelined=not args.synchronous,
                          **{**_train_cli_sampling_defaults(),
                             **({"num_envs_per_env_runner": args.envs_per_runner} if args.envs_per_runner else {})},
                          **({"num_epochs": args.num_epochs} if args.num_epochs else {}))
    if args.kl_coeff is not None:
        config.training(kl_coeff=args.kl_coeff, use_kl_loss=args.kl_coeff > 0)
    budget = Budget("curve", env_steps=args.env_steps, wall_time_s=args.wall_s, eval_every_iters=args.eval_every,
                    eval_rollouts=3, eval_duration_s=10.0)
    result = train(config, budget=budget, out_dir=args.out, progress=False, patient_id=trial.subject_id,
                   command="benchmarks/learning_curve.py")
    with Path(result.training_csv).open() as fh:
        rows = [r for r in csv.DictReader(fh) if not math.isnan(float(r["rmse_deg_mean"]))]
    print(f"{'env steps':>10} {'wall s':>8} {'RMSE deg':>9} {'falls':>6}")
    for r in rows:
        print(f"{int(r['env_steps']):>10} {float(r['wall_s']):>8.1f} {float(r['rmse_deg_mean']):>9.2f} "
              f"{float(r['fall_rate']):>6.2f}")
    f = result.fidelity
    print(f"final ({result.steps} steps, {result.wall_s:.0f} s): RMSE {f['rmse_deg_mean']:.2f} deg, "
          f"falls {f['fall_rate']:.2f}, endpoint {f['endpoint_error_cm']:.1f} cm -> {result.training_csv}")


if __name__ == "__main__":
    main()
