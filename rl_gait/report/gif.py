"""A short GIF of the simulated gait on one task, rendered off-screen from the env (MUJOCO_GL=egl)."""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np


def render_gif(policy: Any, *, env_config: Any, task: Any, reference: Any, seconds: float = 4.0,
               fps: int = 12, seed: int = 0, size: tuple[int, int] = (180, 280)) -> bytes:
    """GIF bytes of ``policy`` walking ``task`` (deterministic actions, seeded start; ``env_config``: the
    :class:`~rl_gait.envs.config.WalkEnvConfig` the policy was trained with, rolled out without its training-only
    options)."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    import imageio.v3 as iio

    from rl_gait.envs.registration import make_walk_env

    env = make_walk_env(env_config.for_rollouts(task=task, reference=reference, episode_duration_s=seconds),
                        render_mode="rgb_array", render_size=size)
    frames = []
    try:
        obs, _ = env.reset(seed=seed)
        every = max(1, int(round(1.0 / (fps * env.control_dt))))
        for k in range(int(seconds / env.control_dt)):
            obs, _, terminated, truncated, _ = env.step(policy.act(obs))
            if k % every == 0:
                frames.append(np.asarray(env.render()))
            if terminated or truncated:
                frames += [frames[-1]] * fps  # hold the last frame (a fall) for a second
                break
    finally:
        env.close()
    buf = io.BytesIO()
    iio.imwrite(buf, np.stack(frames), extension=".gif", duration=1000 / fps, loop=0)
    return buf.getvalue()
