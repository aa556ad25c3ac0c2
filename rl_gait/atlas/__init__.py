"""Healthy Motion Atlas: speed-conditioned healthy curves, literature task priors, deviation scores.

Plain numpy/scipy: imports no Ray, torch or MuJoCo.
"""

from rl_gait.atlas.gps import gait_profile_score, gait_profile_score_deg, gait_variable_score_deg
from rl_gait.atlas.model import HealthyAtlas, SpeedRegression, fit_speed_regression, load_atlas
from rl_gait.atlas.priors import TaskDeviation, task_deviation

__all__ = ["gait_profile_score", "gait_profile_score_deg", "gait_variable_score_deg", "HealthyAtlas", "SpeedRegression", "TaskDeviation", "fit_speed_regression", "load_atlas", "task_deviation"]
