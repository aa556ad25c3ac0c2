"""Env throughput vs its physics limit and vs Gymnasium Walker2d-v5, measured in one run.

Prints steps/s of each rl_gait env with random actions, the physics limit (raw ``mj_step`` rate of the
same model ÷ physics steps per env step) and Walker2d-v5 steps/s, and their ratios
(targets: env ≥ 0.8 × physics limit, ≥ 1.0 × Walker2d-v5). Single process, one core.

    python benchmarks/env_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import mujoco
import numpy as np

import rl_gait  # noqa: F401
from rl_gait.body.planar import FRAME_SKIP

ENVS = {
    "rl_gait/LevelWalk-v0": {},
    "rl_gait/SlopeWalk-v0": {"grade_deg": 8.0},
    "rl_gait/StairWalk-v0": {"step_height_m": 0.15},
}


def env_rate(env: gym.Env, seconds: float, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (4096, *env.action_space.shape)).astype(np.float32)
    env.reset(seed=seed)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(256):
            _, _, term, trunc, _ = env.step(actions[n % 4096])
            n += 1
            if term or trunc:
                env.reset()
    return n / (time.perf_counter() - t0)


def mj_step_rate(model: mujoco.MjModel, data: mujoco.MjData, seconds: float) -> float:
    """Raw physics steps/s of ``model`` from the env's current state, re-seeded from a snapshot."""
    snapshot = (data.qpos.copy(), data.qvel.copy(), data.ctrl.copy())
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        data.qpos[:], data.qvel[:], data.ctrl[:] = snapshot
        mujoco.mj_step(model, data, nstep=200)
        n += 200
    return n / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    walker = gym.make("Walker2d-v5")
    walker_rate = env_rate(walker, args.seconds)
    print(f"{'env':24s} {'steps/s':>9s} {'physics limit':>14s} {'÷limit':>7s} {'÷Walker2d':>10s}")
    print(f"{'Walker2d-v5':24s} {walker_rate:9.0f}")
    for env_id, kw in ENVS.items():
        env = gym.make(env_id, **kw)
        rate = env_rate(env, args.seconds)
        u = env.unwrapped
        u.reset(seed=0)
        limit = mj_step_rate(u.model, u.data, args.seconds) / FRAME_SKIP
        print(f"{env_id:24s} {rate:9.0f} {limit:14.0f} {rate / limit:7.2f} {rate / walker_rate:10.2f}")


if __name__ == "__main__":
    main()
