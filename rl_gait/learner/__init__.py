"""The hybrid learner: RLlib PPO + behaviour cloning + GAIL discriminator, on the new API stack.

Public API (imported lazily, so ``rl_gait.learner.cli`` does not start torch/Ray at import time)::

    ImitationPPOConfig, ImitationParams, Budget, build_config, train, TrainResult,
    load_policy, resume_algorithm, Policy, evaluate

See :mod:`rl_gait.learner.imitation_learner` for how demonstrations are derived from kinematics.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ImitationPPOConfig": "rl_gait.learner.config",
    "build_config": "rl_gait.learner.config",
    "ImitationParams": "rl_gait.learner.params",
    "Budget": "rl_gait.learner.params",
    "train": "rl_gait.learner.training",
    "TrainResult": "rl_gait.learner.training",
    "load_policy": "rl_gait.learner.checkpoint",
    "resume_algorithm": "rl_gait.learner.checkpoint",
    "Policy": "rl_gait.learner.checkpoint",
    "evaluate": "rl_gait.learner.evaluation",
    "METRIC_KEYS": "rl_gait.learner.evaluation",
    "ImitationPPOTorchLearner": "rl_gait.learner.imitation_learner",
    "StyleDiscriminator": "rl_gait.learner.discriminator",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rl_gait.learner' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
