"""Multi-task training: task families, difficulty levels, the curriculum and its RLlib glue.

Pure parts (:mod:`rl_gait.curriculum.curriculum`) import no Ray; the env wrapper imports the envs;
only :mod:`rl_gait.curriculum.callbacks` imports RLlib.
"""

from rl_gait.curriculum.curriculum import (
    FAMILIES,
    Curriculum,
    CurriculumConfig,
    default_levels,
    sample_task,
)

__all__ = ["FAMILIES", "Curriculum", "CurriculumConfig", "default_levels", "sample_task"]
