"""Training throughput: RLlib end-to-end env steps/s vs the bare env loop, and hybrid vs plain PPO learner cost.

Usage::

    python benchmarks/training_throughput.py [--iters 4] [--env-runners 1] [--envs-per-runner 4] [--out FILE.json]

Measured in ONE run on the same machine: (1) the bare ``rl_gait/LevelWalk-v0`` loop with zero actions
in this process; (2) ``physics-only`` PPO and (3) ``hybrid`` (PPO + BC + GAIL) for ``--iters``
iterations each with the project's default PPO settings (batch 4000, 5 epochs, minibatch 500). The
first iteration (actor start-up) is excluded. Reports env steps/s of training end to end, its ratio to
the bare loop (target ≥ 0.5), and the learner-phase time per iteration of hybrid vs plain PPO. CPU
load from other processes distorts every number: the load average is recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np


def bare_env_steps_per_s(seconds: float = 5.0, seed: int = 0) -> float:
    import rl_gait  # noqa: F401  (registers the envs)

    env = gym.make("rl_gait/LevelWalk-v0")
    env.reset(seed=seed)
    zero = np.zeros(env.action_space.shape, np.float32)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, term, trunc, _ = env.step(zero)
        n += 1
        if term or trunc:
            env.reset()
    return n / (time.perf_counter() - t0)


def training_rate(mode: str, iters: int, env_runners: int, envs_per_runner: int) -> dict[str, float]:
    from rl_gait.learner import build_config
    from rl_gait.learner.training import ensure_ray
    from rl_gait.tasks import Task

    ensure_ray()
    cfg = build_config(mode=mode, env_kwargs={"task": Task()}, num_env_runners=env_runners,
                       num_envs_per_env_runner=envs_per_runner)
    algo = cfg.build_algo()
    try:
        warm = algo.train()  # warm-up: actors, first weights sync
        steps0 = float(warm["env_runners"]["num_env_steps_sampled_lifetime"])
        learner_s, sample_s, t0 = [], [], time.perf_counter()
        for _ in range(iters):
            r = algo.train()
            timers = r.get("timers", {})
            learner_s.append(float(timers.get("learner_update_timer", np.nan)))
            sample_s.append(float(timers.get("env_runner_sampling_timer", np.nan)))
        wall = time.perf_counter() - t0
        total_steps = float(r["env_runners"]["num_env_steps_sampled_lifetime"]) - steps0
    finally:
        algo.stop()
    return {"env_steps_per_s": total_steps / wall, "learner_s_per_iter": float(np.nanmean(learner_s)),
            "sampling_s_per_iter": float(np.nanmean(sample_s)), "iters": iters, "wall_s": wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=4)
    ap.add_argument("--env-runners", type=int, default=1)
    ap.add_argument("--envs-per-runner", type=int, default=4)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "training_throughput.json")
    args = ap.parse_args()
    os.environ.setdefault("MUJOCO_GL", "egl")
    bare = bare_env_steps_per_s()
    plain = training_rate("physics-only", args.iters, args.env_runners, args.envs_per_runner)
    hybrid = training_rate("hybrid", args.iters, args.env_runners, args.envs_per_runner)
    res = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_1m": os.getloadavg()[0]},
        "setup": vars(args) | {"out": str(args.out)},
        "bare_env_steps_per_s": bare,
        "physics_only": plain,
        "hybrid": hybrid,
        "ratio_training_to_bare_physics_only": plain["env_steps_per_s"] / bare,
        "ratio_training_to_bare_hybrid": hybrid["env_steps_per_s"] / bare,
        "learner_phase_hybrid_over_plain": hybrid["learner_s_per_iter"] / plain["learner_s_per_iter"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print(f"bare env loop            : {bare:8.0f} env steps/s (1 process)")
    for name, r in (("physics-only PPO", plain), ("hybrid PPO+BC+GAIL", hybrid)):
        print(f"{name:<25}: {r['env_steps_per_s']:8.0f} env steps/s end to end "
              f"(ratio {r['env_steps_per_s'] / bare:.2f}); learner {r['learner_s_per_iter']:.2f} s/iter, "
              f"sampling {r['sampling_s_per_iter']:.2f} s/iter")
    print(f"learner phase hybrid / plain: {res['learner_phase_hybrid_over_plain']:.2f}x   "
          f"(load average {res['machine']['loadavg_1m']:.1f} on {os.cpu_count()} CPUs) -> {args.out}")


if __name__ == "__main__":
    main()
