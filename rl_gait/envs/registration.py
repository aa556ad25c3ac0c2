"""Gymnasium (and, on demand, Ray Tune) registration of the walking envs.

``import rl_gait`` calls :func:`register_envs` (cheap: no MuJoCo import). RLlib code calls
:func:`register_with_ray` to register the same ids with ``ray.tune.registry.register_env``; only
that function touches Ray, so a researcher can use the envs without RLlib. A package above the envs
registers its own env with :func:`register_env_id` (``rl_gait.curriculum``: ``rl_gait/MultiTaskWalk-v0``), so
no entry point here names a package above this one.

Every env takes one :class:`~rl_gait.envs.config.WalkEnvConfig` (``gym.make(id, config=cfg)``) or its fields
as keywords.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

ENV_IDS: dict[str, str] = {"level": "rl_gait/LevelWalk-v0", "slope": "rl_gait/SlopeWalk-v0",
                           "stairs": "rl_gait/StairWalk-v0"}
"""The Gymnasium id of the WalkEnv of each terrain (:data:`rl_gait.tasks.TERRAIN_KINDS`)."""

_ENTRY_POINTS: dict[str, str] = {ENV_IDS[terrain]: f"rl_gait.envs.registration:make_{terrain}"
                                 for terrain in ENV_IDS}
"""Every registered id → its ``module:function`` factory (grows with :func:`register_env_id`)."""
BODY_MODELS: tuple[str, ...] = ("planar", "3d")
"""``WalkEnvConfig.body_model``: ``"planar"`` (:class:`rl_gait.envs.walk.WalkEnv`) or ``"3d"`` (experimental;
:class:`rl_gait.envs.walk3d.Walk3DEnv`)."""


def _make(terrain: str, task_kwargs: dict[str, Any], kwargs: dict[str, Any]):
    from rl_gait.envs.config import env_config
    from rl_gait.tasks import Task

    config = kwargs.pop("config", None)
    render = {k: kwargs.pop(k) for k in ("render_mode", "render_size") if k in kwargs}
    if "task" not in kwargs and (config is None or config.task.terrain != terrain):
        kwargs["task"] = Task(terrain, **task_kwargs)  # the id's terrain; a config of that terrain keeps its task
    return make_walk_env(env_config(config, **kwargs), **render)


def make_walk_env(config, **render: Any):
    """The walking env of ``config.body_model`` (:class:`~rl_gait.envs.config.WalkEnvConfig`): ``"planar"``
    (:class:`rl_gait.envs.walk.WalkEnv`) or ``"3d"`` (experimental, :class:`rl_gait.envs.walk3d.Walk3DEnv`)."""
    if config.body_model == "3d":
        from rl_gait.envs.walk3d import Walk3DEnv

        return Walk3DEnv(**config.walk3d_kwargs(), **render)
    from rl_gait.envs.walk import WalkEnv

    return WalkEnv(config, **render)


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
    return _make("level", {"speed_m_s": speed_m_s}, kwargs)


def make_slope(grade_deg: float = 5.0, speed_m_s: float | None = None, **kwargs: Any):
    return _make("slope", {"grade_deg": grade_deg, "speed_m_s": speed_m_s}, kwargs)


def make_stairs(step_height_m: float = 0.15, step_depth_m: float = 0.30, ascending: bool = True,
                speed_m_s: float | None = None, **kwargs: Any):
    return _make("stairs", {"step_height_m": step_height_m, "step_depth_m": step_depth_m, "ascending": ascending,
                            "speed_m_s": speed_m_s}, kwargs)


def register_env_id(env_id: str, entry_point: str) -> None:
    """Register ``env_id`` with Gymnasium (idempotent) and remember it for :func:`register_with_ray`."""
    _ENTRY_POINTS[env_id] = entry_point
    if env_id not in gym.registry:
        gym.register(id=env_id, entry_point=entry_point, disable_env_checker=True)


def register_envs() -> None:
    """Register the WalkEnv ids (idempotent)."""
    for env_id in ENV_IDS.values():
        register_env_id(env_id, _ENTRY_POINTS[env_id])


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
    """Register every id registered here with ``ray.tune.registry.register_env`` (imports Ray)."""
    from ray.tune.registry import register_env

    for env_id, entry in _ENTRY_POINTS.items():
        register_env(env_id, _ray_creator(entry))
