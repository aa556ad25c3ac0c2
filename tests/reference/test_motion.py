"""ReferenceMotion: the reference's gait events (stance per side) and their persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rl_gait.joints import JOINT_NAMES
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import Task


def _ref(**kw) -> ReferenceMotion:
    ph = np.arange(64) / 64
    q = np.stack([0.3 * np.sin(2 * np.pi * (ph + k / 6)) for k in range(6)], axis=1)
    return ReferenceMotion(joint_names=JOINT_NAMES, joint_angles_rad=q, cycle_duration_s=1.0, speed_m_s=1.2,
                           stride_length_m=1.2, **kw)


def test_stance_per_side_from_the_gait_events():
    ref = _ref(stance_fraction=(0.6, 0.5), left_contact_phase=0.55)
    # right: stance on [0, 0.6); left: on [0.55, 1.05) → (phase − 0.55) mod 1 < 0.5
    #   phase 0.0: right yes; left (−0.55) mod 1 = 0.45 → yes      phase 0.3: right yes; left 0.75 → no
    #   phase 0.6: right no (the end is swing); left 0.05 → yes    phase 1.7 ≡ 0.7: right no; left 0.15 → yes
    np.testing.assert_array_equal(ref.stance_at(np.array([0.0, 0.3, 0.6, 1.7])),
                                  [[True, True], [True, False], [False, True], [False, True]])
    assert ref.stance_at(0.3).shape == (2,)
    assert _ref().stance_fraction == (0.6, 0.6) and _ref().left_contact_phase == 0.5
    for bad in ({"stance_fraction": (0.6, 1.0)}, {"stance_fraction": (0.6,)}, {"left_contact_phase": 1.0}):
        with pytest.raises(ValueError):
            _ref(**bad)


def test_gait_events_are_saved_and_an_older_file_loads_with_the_healthy_values(tmp_path):
    ref = _ref(stance_fraction=(0.62, 0.55), left_contact_phase=0.47)
    path = ref.save(tmp_path / "ref")
    back = ReferenceMotion.load(path)
    assert back.stance_fraction == (0.62, 0.55) and back.left_contact_phase == pytest.approx(0.47)
    np.testing.assert_array_equal(back.joint_angles_rad, ref.joint_angles_rad)
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    del meta["stance_fraction"], meta["left_contact_phase"]  # written before they were recorded
    meta_path.write_text(json.dumps(meta))
    old = ReferenceMotion.load(path)
    assert old.stance_fraction == (0.6, 0.6) and old.left_contact_phase == 0.5


def test_the_approach_reference_is_saved_with_its_task_reference_and_must_be_level(tmp_path):
    level = _ref(source="level gait")
    stairs = _ref(task=Task("stairs", step_height_m=0.12), source="stairs", approach=level, left_contact_phase=0.48)
    back = ReferenceMotion.load(stairs.save(tmp_path / "stairs"))
    assert back.source == "stairs" and back.left_contact_phase == pytest.approx(0.48)
    assert back.approach is not None and back.approach.source == "level gait" and back.approach.approach is None
    np.testing.assert_array_equal(back.approach.joint_angles_rad, level.joint_angles_rad)
    assert ReferenceMotion.load(level.save(tmp_path / "level")).approach is None  # and an older file has none
    with pytest.raises(ValueError, match="approach must be a level-ground reference"):
        _ref(approach=level)  # a level reference has no approach
    with pytest.raises(ValueError, match="approach must be a level-ground reference"):
        _ref(task=Task("slope", grade_deg=5.0), approach=stairs)  # an approach is level ground
