"""The atlas policy's curriculum: the healthy atlas references of every task, and a hemiparetic population.

Used by ``experiments/train_atlas_policy.py`` (training and the ship evaluation) and its tests.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rl_gait.curriculum.curriculum import CurriculumConfig, default_levels
from rl_gait.curriculum.env import References

LEVEL_SPEEDS_M_S: tuple[float, ...] = (0.8, 0.95, 1.1, 1.25, 1.4)
"""Target speeds (m/s) of the five level-walking levels."""
HEMIPARETIC = "hemiparetic"
"""The family of impaired level gaits (one level), trained on bodies weakened on the gait's paretic side."""


def hemiparetic_models(n: int, seed: int = 0) -> list:
    """``n`` seeded hemiparetic gaits (:class:`~rl_gait.reference.impaired.ImpairmentModel`): sides
    alternate; knee-swing reduction 0.1–0.7, push-off reduction 0.2–0.8, stance shift 0–8 %, speed
    0.4–0.9 m/s (community stroke walkers), paretic knee/ankle range-of-motion scale 0.1–1 (stiff-knee
    gait), drawn uniformly; in the frontal plane (3D body) hip hiking 0–10° and circumduction 0–10°, drawn from a
    second stream (``seed + 1``) so that the sagittal draws are those of the family before frontal curves existed
    (healthy pelvic obliquity ranges ~2–5°, the StrokeAvatar patients' 6.6–12.9°)."""
    from rl_gait.reference.impaired import ImpairmentModel

    rng, rng_frontal = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    return [ImpairmentModel(paretic_side=("left", "right")[i % 2], knee_swing_flexion_reduction=rng.uniform(0.1, 0.7),
                            pushoff_reduction=rng.uniform(0.2, 0.8), stance_shift_pct=rng.uniform(0.0, 8.0),
                            speed_m_s=rng.uniform(0.4, 0.9), paretic_rom_scale=rng.uniform(0.1, 1.0),
                            hip_hiking_deg=rng_frontal.uniform(0.0, 10.0),
                            circumduction_deg=rng_frontal.uniform(0.0, 10.0))
            for i in range(n)]


def atlas_curriculum(family_weights: dict[str, float], hemiparetic: int = 0, stair_heights: tuple[float, ...] = (),
                     review_prob: float = 0.2, review_by_failure: bool = False) -> tuple[CurriculumConfig, References]:
    """Curriculum and references: the healthy atlas's per task (every family's, trained or not: the ship
    evaluation rolls out all of them); with ``hemiparetic`` > 0 also a family ``hemiparetic`` (one level: level
    ground at the reference's own speed) whose task draws one of that many impaired references
    (:func:`hemiparetic_models`) per episode; ``stair_heights`` (m, easiest first) replaces the stairs families'
    step heights; ``review_prob``, ``review_by_failure``: see :class:`~rl_gait.curriculum.CurriculumConfig`."""
    from rl_gait.reference import healthy_reference
    from rl_gait.reference.impaired import impaired_reference
    from rl_gait.tasks import Task

    levels = default_levels(LEVEL_SPEEDS_M_S)
    for family in ("stairs_up", "stairs_down") if stair_heights else ():
        levels[family] = tuple(replace(levels[family][0], step_height_m=h) for h in stair_heights)
    if hemiparetic:
        if HEMIPARETIC not in family_weights:
            raise ValueError(f"{hemiparetic} hemiparetic references need the family's weight: add "
                             f"{HEMIPARETIC!r} to the family weights")
        levels[HEMIPARETIC] = (Task("level"),)
    cfg = CurriculumConfig(levels=levels, family_weights=dict(family_weights), review_prob=review_prob,
                           review_by_failure=review_by_failure)
    refs: References = {t.name: healthy_reference(t) for tasks in levels.values() for t in tasks}
    if hemiparetic:
        refs[Task("level").name] = tuple(impaired_reference(m) for m in hemiparetic_models(hemiparetic))
    return cfg, refs
