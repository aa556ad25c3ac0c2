"""Demonstrations for behaviour cloning and the discriminator, derived from a reference motion.

IMU recordings have no actions, so demonstrations are built from kinematics, in the env itself:
the env is put in the reference state at phase ``φ`` (upright trunk, lowest foot on the ground,
forward speed = target speed) and observed; ``next_obs`` is the reference state one control step
later (phase ``φ + Δφ``, pelvis advanced by ``v·dt``). The observation function — and so the
``style`` block the discriminator sees — is the very one used for simulated states.

BC targets are the PD targets that reproduce the reference: at the reference state the PD law
``kp·(q_target − q) − kd·q̇`` produces no damping drag when ``q_target = q_ref + (kd/kp)·q̇_ref``,
so the target action is ``a* = (kd/kp)·q̇_ref / action_scale`` (clipped to [−1, 1]) evaluated at the
next control step's phase (the phase at which the env applies it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rl_gait.envs.walk import PHASE_TABLE_SIZE, WalkEnv


@dataclass(frozen=True)
class Demonstrations:
    """Expert transitions in the env's spaces.

    Attributes:
        obs: ``[N, D]`` float32 observations at reference states.
        next_obs: ``[N, D]`` float32 observations one control step later.
        actions: ``[N, A]`` float32 BC target actions in ``[-1, 1]``.
    """

    obs: np.ndarray
    next_obs: np.ndarray
    actions: np.ndarray

    def __post_init__(self) -> None:
        n = self.obs.shape[0]
        if self.next_obs.shape != self.obs.shape or self.actions.shape[0] != n:
            raise ValueError("obs, next_obs and actions must have the same number of rows")
        for name in ("obs", "next_obs", "actions"):
            if not np.isfinite(getattr(self, name)).all():
                raise ValueError(f"demonstration {name} contain NaN/inf")

    def __len__(self) -> int:
        return int(self.obs.shape[0])

    def save(self, path: str | Path) -> Path:
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, obs=self.obs, next_obs=self.next_obs, actions=self.actions)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Demonstrations:
        with np.load(Path(path), allow_pickle=False) as z:
            return cls(obs=z["obs"], next_obs=z["next_obs"], actions=z["actions"])


def make_demonstrations(env: WalkEnv, n_samples: int = 512, seed: int = 0) -> Demonstrations:
    """``n_samples`` expert transitions at phases spread evenly over the cycle (seeded jitter)."""
    env = getattr(env, "unwrapped", env)
    rng = np.random.default_rng(seed)
    phases = (np.arange(n_samples) + rng.uniform(0, 1, n_samples)) / n_samples
    kp = np.asarray(env.pd.kp_nm_per_rad)
    kd = np.asarray(env.pd.kd_nms_per_rad)
    obs, next_obs, actions = [], [], []
    saved_phase, saved_t = env._phase, env._t
    for phase in phases:
        obs.append(_observe_reference(env, phase, x_m=0.0))
        nxt = (phase + env._dphase) % 1.0
        next_obs.append(_observe_reference(env, nxt, x_m=env.target_speed_m_s * env.control_dt))
        qd_ref = env.ref.qd[int(nxt * PHASE_TABLE_SIZE)]
        actions.append(np.clip((kd / kp) * qd_ref / env.action_scale_rad, -1.0, 1.0))
    env._phase, env._t = saved_phase, saved_t
    return Demonstrations(obs=np.asarray(obs, np.float32), next_obs=np.asarray(next_obs, np.float32),
                          actions=np.asarray(actions, np.float32))


def make_task_demonstrations(env: WalkEnv, tasks_and_references, n_per_task: int = 256,
                             seed: int = 0) -> Demonstrations:
    """Demonstrations of several tasks (``[(Task, ReferenceMotion), ...]``) in one set, for multi-task
    training; the env is left on the first task."""
    env = getattr(env, "unwrapped", env)
    parts = []
    for k, (task, reference) in enumerate(tasks_and_references):
        env.set_task(task, reference)
        parts.append(make_demonstrations(env, n_samples=n_per_task, seed=seed + k))
    first_task, first_ref = tasks_and_references[0]
    env.set_task(first_task, first_ref)
    return Demonstrations(obs=np.concatenate([p.obs for p in parts]),
                          next_obs=np.concatenate([p.next_obs for p in parts]),
                          actions=np.concatenate([p.actions for p in parts]))


def _observe_reference(env: WalkEnv, phase: float, x_m: float) -> np.ndarray:
    """The env's observation of the reference state at ``phase`` (uses the env's own data buffer). Another body's
    env (:class:`~rl_gait.envs.walk3d.Walk3DEnv`) is reset into it: the same reference state (pose and velocities
    at ``phase``, lowest foot on the ground at ``x_m``, forward speed = target speed), without start noise or
    weakness."""
    if isinstance(env, WalkEnv):
        env._set_reference_state(env.data, phase, x_m=x_m)
        env._phase = phase
        return env._observe()
    noise, env.init_noise_rad = env.init_noise_rad, 0.0
    try:
        obs, _ = env.reset(options={"phase": float(phase), "x_m": float(x_m), "weaken": False})
    finally:
        env.init_noise_rad = noise
    return obs
