"""Gymnasium (and, on demand, Ray Tune) registration of the walking envs.

``import rl_gait`` calls :func:`register_envs` (cheap: no MuJoCo import). RLlib code calls
:func:`register_with_ray` to register the same ids with ``ray.tune.registry.register_env``; only
that function touches Ray, so a researcher can use the envs without RLlib.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

ENV_IDS: dict[str, str] = {
    "rl_gait/LevelWalk-v0": "rl_gait.envs.registration:make_level",
    "rl_gait/SlopeWalk-v0": "rl_gait.envs.registration:make_slope",
    "rl_gait/StairWalk-v0": "rl_gait.envs.registration:make_stairs",
    # one goal-conditioned env whose task is drawn per episode from a curriculum (rl_gait.curriculum)
    "rl_gait/MultiTaskWalk-v0": "rl_gait.curriculum.env:make_multitask",
}


BODY_MODELS: tuple[str, ...] = ("planar", "3d")
"""``body_model`` of every env id: ``"planar"`` (default; :class:`rl_gait.envs.walk.WalkEnv`) or ``"3d"``
(experimental; :class:`rl_gait.envs.walk3d.Walk3DEnv`)."""


def make_walk_env(body_model: str = "planar", **kwargs: Any):
    """The walking env of ``body_model`` with ``kwargs``."""
    if body_model == "planar":
        from rl_gait.envs.walk import WalkEnv

        return WalkEnv(**kwargs)
    if body_model == "3d":
        from rl_gait.envs.walk3d import Walk3DEnv

        return Walk3DEnv(**kwargs)
    raise ValueError(f"body_model must be one of {BODY_MODELS}, got {body_model!r}")


def observation_dim(body_model: str = "planar") -> int:
    """Observation size of the walking env of ``body_model`` (what a saved policy must observe)."""
    if body_model == "planar":
        from rl_gait.envs.walk import OBSERVATION_DIM

        return OBSERVATION_DIM
    if body_model == "3d":
        from rl_gait.envs.walk3d import OBSERVATION_DIM_3D

        return OBSERVATION_DIM_3D
    raise ValueError(f"body_model must be one of {BODY_MODELS}, got {body_model!r}")


def make_level(speed_m_s: float | None = None, **kwargs: Any):
    from rl_gait.tasks import Task

    kwargs.setdefault("task", Task("level", speed_m_s=speed_m_s))
    return make_walk_env(**kwargs)


def make_slope(grade_deg: float = 5.0, speed_m_s: float | None = None, **kwargs: Any):
    from rl_gait.tasks import Task

    kwargs.setdefault("task", Task("slope", grade_deg=grade_deg, speed_m_s=speed_m_s))
    return make_walk_env(**kwargs)


def make_stairs(step_height_m: float = 0.15, step_depth_m: float = 0.30, ascending: bool = True,
                speed_m_s: float | None = None, **kwargs: Any):
    from rl_gait.tasks import Task

    kwargs.setdefault("task", Task("stairs", step_height_m=step_height_m, step_depth_m=step_depth_m,
                                   ascending=ascending, speed_m_s=speed_m_s))
    return make_walk_env(**kwargs)


def register_envs() -> None:
    """Register the Gymnasium ids (idempotent)."""
    for env_id, entry in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry, disable_env_checker=True)


def _ray_creator(entry: str):
    module, fn = entry.split(":")

    def create(env_config: dict):
        """One env, or with ``num_envs`` in ``env_config`` (RLlib's ``vector_entry_point`` mode) a
        :class:`~rl_gait.envs.vector.WalkVectorEnv` of that many."""
        import importlib

        kwargs = dict(env_config)
        num_envs = kwargs.pop("num_envs", None)
        factory = getattr(importlib.import_module(module), fn)
        if num_envs is None:
            return factory(**kwargs)
        from rl_gait.envs.vector import WalkVectorEnv

        return WalkVectorEnv(lambda: factory(**kwargs), int(num_envs))

    return create


def register_with_ray() -> None:
    """Register the same ids with ``ray.tune.registry.register_env`` (imports Ray)."""
    from ray.tune.registry import register_env

    for env_id, entry in ENV_IDS.items():
        register_env(env_id, _ray_creator(entry))
