"""Gymnasium environments: the personalized biped walking level ground, slopes and stairs."""

from rl_gait.envs.registration import ENV_IDS, register_envs, register_with_ray
from rl_gait.envs.rewards import RewardWeights

_LAZY = {"WalkEnv": "rl_gait.envs.walk", "WalkEnvConfig": "rl_gait.envs.config"}


def __getattr__(name: str):
    if name in _LAZY:  # import MuJoCo only when an env (or its config, which holds a TerrainLayout) is needed
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = ["ENV_IDS", "RewardWeights", "WalkEnv", "WalkEnvConfig", "register_envs", "register_with_ray"]
