"""Gymnasium environments: the personalized biped walking level ground, slopes and stairs."""

from rl_gait.envs.registration import ENV_IDS, register_envs, register_with_ray
from rl_gait.envs.rewards import RewardWeights


def __getattr__(name: str):
    if name == "WalkEnv":  # import MuJoCo only when an env is actually needed
        from rl_gait.envs.walk import WalkEnv

        return WalkEnv
    raise AttributeError(name)


__all__ = ["ENV_IDS", "RewardWeights", "WalkEnv", "register_envs", "register_with_ray"]
