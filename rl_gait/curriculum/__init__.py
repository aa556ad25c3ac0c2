"""Multi-task training: task families, difficulty levels, the curriculum and its RLlib glue.

Pure parts (:mod:`rl_gait.curriculum.curriculum`) import no Ray; the env wrapper imports the envs;
only :mod:`rl_gait.curriculum.callbacks` imports RLlib.
"""

from rl_gait.curriculum.curriculum import (
    FAMILIES,
    MULTITASK_ENV_ID,
    Curriculum,
    CurriculumConfig,
    default_levels,
    sample_task,
)
from rl_gait.envs.registration import register_env_id as _register_env_id

_register_env_id(MULTITASK_ENV_ID, "rl_gait.curriculum.env:make_multitask")

__all__ = ["FAMILIES", "MULTITASK_ENV_ID", "Curriculum", "CurriculumConfig", "default_levels", "sample_task"]
