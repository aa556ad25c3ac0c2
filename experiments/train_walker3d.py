"""Train the 3D body (``body_model="3d"``) to walk on the atlas' healthy level reference with the project's learner.

Plain PPO (``mode="physics-only"``, no warm start) on ``rl_gait/LevelWalk-v0`` with ``body_model="3d"``, the PPO
settings of the 3D prototype in ``shared/docs/SIM_NOTES.md`` (2 runners × 4 envs, batch 4000, 5 epochs,
minibatch 500, ``vf_clip_param`` 1e4: the returns of 20–50 per episode are far above RLlib's default clip of
10 on the squared value error), the atlas reference at the prototype's 1.0 m/s, a rigid trunk (the env's default
``lumbar_locked``) and an exploration std of 0.37 at the start (``--initial-log-std -1``: with RLlib's std 1 it
walked after 1.7 M steps instead of 1.0 M). The learner's ``train`` measures every ``--eval-every`` iterations 3
seeded deterministic 10-s walks (``fall_rate``, sagittal ``rmse_deg_mean``) into ``OUT/training.csv``; this
script prints the learning curve as a Markdown table at the end (``docs/body3d.md`` holds the measured ones).

    PYTHONPATH=$PWD python experiments/train_walker3d.py --out /tmp/walker3d --minutes 20

``--hemiparetic N --resume DIR`` goes on from a walker as the 3D level prior (:func:`level_prior_config`): the
atlas' healthy level references at 0.8-1.4 m/s and a pool of N hemiparetic gaits with frontal-plane compensation
on a one-side-weakened body.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import tyro


@dataclass(frozen=True)
class Args:
    out: Path  # output folder (checkpoint, training.csv)
    minutes: float = 30.0  # training wall-time budget (min)
    max_steps: int = 10_000_000  # env-step budget
    eval_every: int = 10  # iterations between fidelity evaluations
    seed: int = 0
    runners: int = 2
    envs_per_runner: int = 4
    minibatch: int = 500  # PPO minibatch (the prototype's; the learner's default is 1000)
    reference_speed_m_s: float = 1.0  # speed of the atlas' healthy level reference (the prototype's 1.0 m/s)
    lumbar_locked: bool = True  # rigid trunk (the prototype's); False = the actuated 2-DOF lumbar joint
    initial_log_std: float | None = -1.0  # exploration log std at the start (std 0.37 = 0.18 rad; None = RLlib's 0)
    resume: Path | None = None  # go on from an earlier run's --out folder
    hemiparetic: int = 0  # > 0: the 3D level prior: atlas level 0.8-1.4 m/s + this many hemiparetic gaits (pool)
    weakness_range: tuple[float, float] = (0.6, 1.0)  # with --hemiparetic: one side's PD weakened on those episodes
    ship: bool = False  # with --hemiparetic: evaluate and ship the policy as rl_gait/data/atlas_policy_3d
    eval_seeds: int = 10  # --ship: deterministic 10-s rollouts per cell and body


PRIOR_FAMILY_WEIGHTS = {"level": 1.0, "slope_up": 0.0, "slope_down": 0.0, "stairs_up": 0.0, "stairs_down": 0.0,
                        "hemiparetic": 1.0}
"""The 3D level prior's curriculum families (:func:`rl_gait.curriculum.atlas_setup.atlas_curriculum`): level and
hemiparetic trained, slopes and stairs evaluated only."""


def learning_curve_table(csv_path: Path) -> str:
    """The evaluated rows of ``training.csv`` as a Markdown table (wall time, env steps, walks, RMSE)."""
    rows = [r for r in csv.DictReader(csv_path.open()) if not math.isnan(float(r["fall_rate"]))]
    lines = ["| training wall time | env steps | deterministic eval: falls in 3 × 10 s | sagittal joint RMSE |",
             "|---|---|---|---|"]
    for r in rows:
        falls = round(3 * float(r["fall_rate"]))
        lines.append(f"| {float(r['wall_s']) / 60:.1f} min | {int(float(r['env_steps'])) / 1e6:.2f} M | "
                     f"{falls}/3 | {float(r['rmse_deg_mean']):.1f}° |")
    return "\n".join(lines)


def train_walker3d(args: Args, command: str = "python experiments/train_walker3d.py"):
    """Train as ``args`` say; returns the learner's ``TrainResult`` (checkpoint, ``training.csv``, final fidelity)."""
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner.config import build_config
    from rl_gait.learner.params import Budget
    from rl_gait.learner.training import train
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    ppo = dict(num_env_runners=args.runners, num_envs_per_env_runner=args.envs_per_runner,
               minibatch_size=args.minibatch, initial_log_std=args.initial_log_std)
    if args.hemiparetic > 0:
        config = level_prior_config(args, ppo)
    else:
        env = WalkEnvConfig(body_model="3d", lumbar_locked=args.lumbar_locked,
                            reference=healthy_reference(Task("level"), speed_m_s=args.reference_speed_m_s))
        config = build_config(mode="physics-only", env=env, warm_start=None, seed=args.seed, **ppo)
    budget = Budget("walker3d", env_steps=args.max_steps, wall_time_s=60.0 * args.minutes,
                    eval_every_iters=args.eval_every, eval_rollouts=3, eval_duration_s=10.0)
    return train(config, budget=budget, out_dir=args.out, progress=False, patient_id="atlas_healthy_level",
                 command=command, resume_from=args.resume)


def level_prior_config(args: Args, ppo: dict):
    """The 3D level prior's config: ``rl_gait/MultiTaskWalk-v0`` on the 3D body with the atlas curriculum's level
    family (healthy references at 0.8-1.4 m/s, advanced by success) and its ``hemiparetic`` family (a pool of
    ``args.hemiparetic`` impaired gaits with hip hiking and circumduction, on a body weakened on one side by a
    factor in ``args.weakness_range``), equal weights; slopes and stairs are not trained."""
    from rl_gait.curriculum.atlas_setup import HEMIPARETIC, atlas_curriculum
    from rl_gait.curriculum.env import MultiTaskEnvConfig
    from rl_gait.curriculum.training import multitask_config
    from rl_gait.envs.config import WalkEnvConfig

    cfg, refs = atlas_curriculum(PRIOR_FAMILY_WEIGHTS, args.hemiparetic)
    walk = WalkEnvConfig(body_model="3d", lumbar_locked=args.lumbar_locked, weakness_range=args.weakness_range)
    env = MultiTaskEnvConfig(walk=walk, curriculum=cfg, references=refs, weakness_families=(HEMIPARETIC,))
    config, _ = multitask_config(env=env, out_dir=args.out, mode="physics-only", warm_start=None, seed=args.seed,
                                 **ppo)
    return config


def ship_level_prior(args: Args, checkpoint: Path, command: str) -> Path:
    """Ship ``checkpoint``'s policy as the 3D prior (``rl_gait/data/atlas_policy_3d``) under the planar prior's rule:
    every cell of the curriculum (slopes and stairs too, untrained: evaluated) on the whole body and on each side
    weakened to 0.6, ``args.eval_seeds`` seeded deterministic rollouts each; shipped only if no cell is worse than
    the shipped 3D prior's on the same rollouts (:func:`rl_gait.curriculum.ship.ship_regressions`). The sidecar
    records the success per cell and body, the command and the training's steps."""
    import shutil

    from rl_gait.curriculum.atlas_setup import HEMIPARETIC, atlas_curriculum
    from rl_gait.curriculum.evaluation import BODIES, WEAK_EVAL_FACTOR, EvaluationGrid
    from rl_gait.curriculum.ship import ship_regressions
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import (
        ATLAS_POLICY_DIRS,
        POLICY_SUBDIR,
        env_config_from_sidecar,
        read_sidecar,
        write_sidecar,
    )

    ship_dir = ATLAS_POLICY_DIRS["3d"]
    cfg, refs = atlas_curriculum(PRIOR_FAMILY_WEIGHTS, args.hemiparetic)
    meta = read_sidecar(checkpoint, verify=True)
    walk = env_config_from_sidecar(meta)
    grid = EvaluationGrid(cfg, refs, walk, duration_s=10.0)
    policies = {"candidate": load_policy(checkpoint)}
    if (ship_dir / "rl_gait.json").is_file():
        policies["shipped"] = load_policy(ship_dir)
    ev = grid.evaluate_policies(policies, [(p, b, args.eval_seeds, None) for p in policies for b in BODIES])
    new, old = ev["candidate"], ev.get("shipped", {})
    for k, v in new["healthy"].items():
        print(f"{k:16s} {v['task']:22s} success {v['success_rate']:.2f} | {WEAK_EVAL_FACTOR:g}-weak l "
              f"{new['l'][k]['success_rate']:.2f} r {new['r'][k]['success_rate']:.2f}")
    regressions = ship_regressions(new, old, None)
    if regressions:
        raise SystemExit(f"not shipped: worse than the shipped 3D prior on {'; '.join(regressions)}")
    if ship_dir.exists():
        shutil.rmtree(ship_dir)
    shutil.copytree(checkpoint / POLICY_SUBDIR, ship_dir / POLICY_SUBDIR)
    write_sidecar(ship_dir, {
        "patient_id": "healthy-atlas-3d",
        "command": command,
        "mode": meta.get("mode"),
        "env_id": meta.get("env_id"),
        "env_version": meta.get("env_version"),
        "env_config": walk.to_dict(),
        "curriculum_tasks": {f: [t.name for t in cfg.levels[f]] for f in cfg.families},
        "trained_families": ["level", HEMIPARETIC],
        "steps": meta.get("steps"),
        "iterations": meta.get("iterations"),
        "wall_s": meta.get("wall_s"),
        "success_per_task_and_level": new["healthy"],
        "success_per_task_and_level_weak_side": {"factor": WEAK_EVAL_FACTOR, "l": new["l"], "r": new["r"]},
        "evaluation": {"seeds": args.eval_seeds, "duration_s": 10.0, "deterministic": True},
        "fidelity": meta.get("fidelity"),
    })
    print(f"shipped → {ship_dir}")
    return ship_dir


def main() -> None:
    args = tyro.cli(Args, description=__doc__.splitlines()[0])
    t0 = time.perf_counter()
    command = "python experiments/train_walker3d.py " + " ".join(sys.argv[1:])
    if args.ship and args.hemiparetic <= 0:
        raise SystemExit("--ship ships the 3D level prior: give --hemiparetic N too")
    if args.ship and args.minutes <= 0:  # ship an earlier run's checkpoint
        ship_level_prior(args, Path(args.out) / "checkpoint", command)
        return
    result = train_walker3d(args, command)
    print(f"trained {result.steps} env steps in {result.wall_s / 60:.1f} min ({time.perf_counter() - t0:.0f} s total)")
    print(learning_curve_table(result.training_csv))
    f = result.fidelity
    print(f"final (3 × 10 s): fall_rate {f['fall_rate']:.2f}, rmse_deg_mean {f['rmse_deg_mean']:.2f}, "
          f"speed {f['speed_m_s_sim']:.2f} m/s (target {f['speed_m_s_ref']:.2f})")
    if args.ship:
        ship_level_prior(args, result.checkpoint_dir, command)


if __name__ == "__main__":
    main()
