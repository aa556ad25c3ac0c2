"""Where a policy's toe passes a stair nosing below its height: every such crossing, with its contact state.

Rolls the shipped healthy prior (or ``--checkpoint``) out as ``rl-gait predict`` does (``record_rollout``,
the prediction's perturbations) on stairs up and down, and prints each forward crossing of a nosing whose
toe lies below the nosing's top: time, toe x before/after relative to the nosing, toe height relative to it,
the foot's contact before/after, and whether the crossing counts as a swing crossing for the clearance
(``rl_gait.predict.metrics.edge_clearances_m``). Measured output in docs/task_plausibility.md.

    PYTHONPATH=. python experiments/stair_edge_probe.py --step-height-m 0.15 --seeds 3
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tyro


@dataclass(frozen=True)
class Args:
    checkpoint: Path | None = None  # a policy checkpoint folder; default: the shipped healthy prior
    step_height_m: float = 0.15
    seeds: int = 3
    duration_s: float = 10.0


def main() -> None:
    args = tyro.cli(Args, description=__doc__.splitlines()[0])
    import rl_gait
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import env_config_from_sidecar, read_sidecar
    from rl_gait.predict.metrics import ON_TREAD_TOLERANCE_M
    from rl_gait.predict.predict import PredictionSettings
    from rl_gait.predict.rollouts import record_rollout, stair_edges
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    ckpt = args.checkpoint or Path(rl_gait.__file__).parent / "data" / "atlas_policy"
    policy = load_policy(ckpt)
    perturb = PredictionSettings().perturbations
    cfg = env_config_from_sidecar(read_sidecar(ckpt))
    env = WalkEnv(cfg.for_rollouts(task=Task(), reference=healthy_reference(Task()), episode_duration_s=args.duration_s,
                                   init_noise_rad=perturb.init_noise_rad))
    for ascending in (True, False):
        task = Task("stairs", step_height_m=args.step_height_m, ascending=ascending)
        env.set_task(task, healthy_reference(task))
        edges_x, edges_z = stair_edges(task, env.terrain_layout)
        for seed in range(args.seeds):
            r = record_rollout(policy, env, seed=seed, perturb=perturb, duration_s=args.duration_s)
            for e, (xe, ze) in enumerate(zip(edges_x, edges_z, strict=True)):
                for s in range(2):
                    x, z = r.toe_x_m[:, s], r.toe_z_m[:, s]
                    for i in np.flatnonzero((x[:-1] < xe) & (x[1:] >= xe)):
                        if z[i] - ze >= 0.0:
                            continue
                        on_tread = bool(r.contact[i, s]) and z[i] >= ze - ON_TREAD_TOLERANCE_M
                        print(f"{'up' if ascending else 'down'} seed {seed} nosing {e} {'rl'[s]}: t {i * r.dt_s:.2f} s, "
                              f"toe x {x[i] - xe:+.3f}→{x[i + 1] - xe:+.3f} m, z {z[i] - ze:+.3f}→{z[i + 1] - ze:+.3f} m, "
                              f"contact {int(r.contact[i, s])}→{int(r.contact[i + 1, s])}, "
                              f"{'on its tread (not counted)' if on_tread else 'counted'}; fell {r.fell}")


if __name__ == "__main__":
    main()
