"""Expected healthy bands per task level and the extrapolation rule, against hand-computed numbers."""

from __future__ import annotations

import math

import pytest

from rl_gait.predict.plausibility import (
    Band,
    expected_ranges,
    extrapolation,
    predicted_values,
    stair_inclination_deg,
)
from rl_gait.tasks import Task


def test_extrapolation_outside_the_cited_data():
    assert extrapolation(Task()) is None
    assert extrapolation(Task("slope", grade_deg=7.5)) is None
    assert "steeper" in extrapolation(Task("slope", grade_deg=-10.0))
    # atan(rise / 0.30): 8 cm 14.9°, 12 cm 21.8° (outside 24–42°), 15 cm 26.6°, 17 cm 29.5°, 20 cm 33.7° (inside)
    assert stair_inclination_deg(Task("stairs", step_height_m=0.12)) == pytest.approx(21.801, abs=1e-3)
    assert [extrapolation(Task("stairs", step_height_m=h)) is None for h in (0.08, 0.12, 0.15, 0.17, 0.20)] == [
        False, False, True, True, True]


def test_expected_bands_by_hand():
    level = expected_ranges(Task())
    assert (level["speed_m_s"].low, level["speed_m_s"].high) == (1.27, 1.46)  # Bohannon 1997
    assert level["cadence_steps_per_min"].low == pytest.approx(101.7)  # 113 − 10 %
    # stairs up 17 cm: stride time 120/113 s × (1.2 ± 2 · 0.1), cadence ± 10 %: 1.0619 · 1.0 / 1.1 = 0.96535 s …
    # 1.0619 · 1.4 / 0.9 = 1.65192 s; path 2 · hypot(0.30, 0.17) = 0.68963 m → 0.4175 … 0.7144 m/s
    up = expected_ranges(Task("stairs", step_height_m=0.17))
    assert up["speed_m_s"].low == pytest.approx(0.68963 / 1.65192, abs=1e-4)
    assert up["speed_m_s"].high == pytest.approx(0.68963 / 0.96535, abs=1e-4)
    assert (up["stance_pct"].low, up["stance_pct"].high) == (58.0, 70.0)  # 64 ± 2 · 3
    # the stair knee bends more than the level knee, the band is about the reference's peak
    assert up["peak_knee_deg"].low > level["peak_knee_deg"].low
    assert Band(1.0, 2.0, "x").contains(1.5) and not Band(1.0, 2.0, "x").contains(2.5)
    assert Band(1.0, 2.0, "x").contains(math.nan) is None


def test_predicted_values_average_the_sides():
    lv = {"speed_m_s_successful": 1.2,
          "metrics": {"cadence_steps_per_min": 110.0, "stance_pct_r": 60.0, "stance_pct_l": 64.0},
          "joints": {f"{j}_{s}": {"peak_angle_deg": v} for j, (a, b) in
                     {"hip": (30.0, 34.0), "knee": (60.0, None), "ankle": (10.0, 12.0)}.items()
                     for s, v in (("r", a), ("l", b))}}
    v = predicted_values(lv)
    assert v["stance_pct"] == 62.0 and v["peak_hip_deg"] == 32.0 and v["peak_knee_deg"] == 60.0
