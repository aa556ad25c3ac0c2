"""Healthy Motion Atlas: speed-conditioned healthy curves, literature task priors, deviation scores.

Plain numpy/scipy: imports no Ray, torch or MuJoCo.
"""

from rl_gait.atlas.model import HealthyAtlas, SpeedRegression, fit_speed_regression, load_atlas
from rl_gait.atlas.priors import TaskDeviation, task_deviation

__all__ = ["HealthyAtlas", "SpeedRegression", "TaskDeviation", "fit_speed_regression", "load_atlas", "task_deviation"]
