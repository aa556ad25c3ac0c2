"""rl_gait: one level-ground IMU walk of a stroke survivor → patient-specific simulated gait on
slopes and stairs.

Data path (one sub-package per stage)::

    ingest → GaitTrial → atlas / reference → ReferenceMotion → body + terrain → envs
           → learner (RLlib PPO + BC + GAIL) → personalize (Tune) → predict → report → pipeline

Importing ``rl_gait`` registers the Gymnasium environments (``rl_gait/LevelWalk-v0`` ...,
``rl_gait/MultiTaskWalk-v0``), which is
cheap: MuJoCo is imported only when an env is made.
"""

import rl_gait.curriculum  # noqa: F401  (registers rl_gait/MultiTaskWalk-v0; pure Python, no Ray)
from rl_gait._version import __version__
from rl_gait.envs.registration import register_envs as _register_envs

_register_envs()

__all__ = ["__version__"]
