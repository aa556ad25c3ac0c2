"""Wall and CPU seconds of one hybrid learner update (RLlib's learner, in this process, no Ray) per variant.

Samples ``--batches`` batches of 4,000 env steps once (``LeanEnvRunner``, 8 envs, the project's defaults), builds
one learner per variant from the same seed and updates each on copies of the same batches, the variants taking
turns batch by batch (so a change in the box's load hits them alike). Prints per variant the median wall and
CPU (``process_time``, all threads of this process) seconds per update, the CPU seconds of the updating thread and
of the discriminator's thread (on two idle cores the update's wall time nears the larger), and the load average
before and after.

Variants: ``joint`` (RLlib's joint minibatch step, ``discriminator_thread=False``), ``thread`` (the default: the
discriminator on a second thread), ``thread-bc-main`` (the thread for the discriminator only, BC's gradient in the
main thread's backward), ``disc1`` (the thread, the discriminator one pass over each batch:
``ImitationParams(disc_num_epochs=1, disc_lr=1.5e-4)``), ``physics`` (plain PPO on the same batches).

    python benchmarks/hybrid_update.py [--variants joint thread physics] [--batches 6] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import time
from pathlib import Path

VARIANTS = ("joint", "thread", "thread-bc-main", "disc1", "physics")


def build_learner(variant: str, env, seed: int):
    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.learner import build_config
    from rl_gait.learner.params import ImitationParams

    if variant == "physics":
        cfg = build_config(mode="physics-only", env=WalkEnvConfig(), num_env_runners=0, seed=seed)
    else:
        imitation = ImitationParams(disc_num_epochs=1, disc_lr=1.5e-4) if variant == "disc1" else None
        cfg = build_config(mode="hybrid", env=WalkEnvConfig(), num_env_runners=0, seed=seed, warm_start=None,
                           imitation=imitation, discriminator_thread=(variant != "joint"))
    learner = cfg.build_learner(env=env)
    if variant == "thread-bc-main":
        learner._bc_on_thread = False
    return cfg, learner


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--batches", type=int, default=6, help="updates per variant (after one warm-up update each)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import numpy as np
    import torch
    from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME

    from rl_gait.envs.config import WalkEnvConfig
    from rl_gait.envs.registration import register_with_ray
    from rl_gait.learner import build_config
    from rl_gait.learner.env_runner import LeanEnvRunner
    from rl_gait.learner.params import SAMPLING

    torch.set_num_threads(1)
    register_with_ray()
    runner_cfg = build_config(mode="physics-only", env=WalkEnvConfig(), num_env_runners=0,
                              num_envs_per_env_runner=SAMPLING.num_envs_per_env_runner, seed=args.seed)
    runner = LeanEnvRunner(config=runner_cfg)
    torch.manual_seed(args.seed)
    n = runner_cfg.train_batch_size_per_learner
    batches = [runner.sample(num_timesteps=n) for _ in range(args.batches + 1)]
    learners = {v: build_learner(v, runner.env, args.seed) for v in args.variants}
    load_before = os.getloadavg()
    times: dict[str, list[tuple[float, float]]] = {v: [] for v in args.variants}
    for i, eps in enumerate(batches):
        order = args.variants if i % 2 == 0 else args.variants[::-1]
        for v in order:
            cfg, learner = learners[v]
            np.random.seed(i)  # noqa: NPY002  (RLlib shuffles minibatches with numpy's global generator)
            episodes = copy.deepcopy(eps)
            worker = getattr(learner, "_disc_worker", None)
            k0 = worker.cpu_s if worker is not None else 0.0
            w0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
            learner.update(episodes=episodes, timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: n * (i + 1)},
                           num_epochs=cfg.num_epochs, minibatch_size=cfg.minibatch_size, shuffle_batch_per_epoch=True)
            if i > 0:  # the first update of each learner is a warm-up
                times[v].append((time.perf_counter() - w0, time.process_time() - c0, time.thread_time() - m0,
                                 (worker.cpu_s if worker is not None else 0.0) - k0))
    load_after = os.getloadavg()
    rows = []
    print(f"{'variant':>8} {'wall s/update':>14} {'CPU s/update':>13} {'main thread':>12} {'disc thread':>12}   "
          f"({args.batches} updates of {n} steps, load {load_before[0]:.1f} -> {load_after[0]:.1f})")
    for v in args.variants:
        wall, cpu, main_cpu, disc_cpu = (statistics.median(t[j] for t in times[v]) for j in range(4))
        rows.append({"variant": v, "wall_s": wall, "cpu_s": cpu, "main_thread_cpu_s": main_cpu,
                     "disc_thread_cpu_s": disc_cpu, "all": times[v]})
        print(f"{v:>8} {wall:14.3f} {cpu:13.3f} {main_cpu:12.3f} {disc_cpu:12.3f}")
    if args.out:
        args.out.write_text(json.dumps({"rows": rows, "load_before": load_before, "load_after": load_after}, indent=2))


if __name__ == "__main__":
    main()
