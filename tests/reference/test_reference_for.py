"""reference_for: patient level pattern + literature task change, limited by the patient's ROM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rl_gait.atlas import load_atlas, task_deviation
from rl_gait.atlas.clip_trial import trial_from_clip
from rl_gait.joints import JOINT_NAMES
from rl_gait.reference import patient_rom_limits_rad, reference_for
from rl_gait.reference.patient import rom_ratio, stance_fractions, step_phase
from rl_gait.tasks import Task

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "strokeavatar"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data folder {DATA} is absent")
TASKS = [Task(), Task("slope", grade_deg=12), Task("slope", grade_deg=-12),
         Task("stairs", step_height_m=0.17), Task("stairs", step_height_m=0.17, ascending=False)]


def test_rom_ratio_and_limits_hand_computed():
    level = np.array([[0.0, 0.2, 0.1], [0.0, 1.0, 0.5]])
    healthy = np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 0.0]])
    rho = rom_ratio(level, healthy)
    np.testing.assert_allclose(rho, [0.2, 1.0])  # 0.2/1.0, min(1, 1.0/0.5)
    delta = np.array([[-0.1, 0.5, 0.0], [0.0, 0.0, 0.0]])
    lim = patient_rom_limits_rad(level, delta, rho)
    np.testing.assert_allclose(lim, [[0.0 - 0.02, 0.2 + 0.1], [0.0, 1.0]])


@needs_data
@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_patient_references_respect_rom_limits_and_are_continuous(task):
    atlas = load_atlas()
    dev = task_deviation(task)
    for path in sorted((DATA / "imu_patient").glob("*.json"))[:6]:
        trial = trial_from_clip(path, patient=True)
        ref = reference_for(trial, task, atlas=atlas)
        level = reference_for(trial, Task(), atlas=atlas)
        assert ref.joint_names == JOINT_NAMES and ref.paretic_side == trial.paretic_side
        # limits from the patient's level curves (ankles: the atlas-derived level curves)
        lvl_curves = np.stack([level.angles_at(np.linspace(0, 1, 101) + (0.0 if n.endswith("_r") else step_phase(trial)))[:, j]
                               for j, n in enumerate(JOINT_NAMES)])
        src = "imu"
        healthy = np.where(np.isfinite(atlas.mean_curves(trial.spatiotemporal["speed_m_s"], src)),
                           atlas.mean_curves(trial.spatiotemporal["speed_m_s"], src),
                           atlas.mean_curves(trial.spatiotemporal["speed_m_s"], "optical"))
        rho = rom_ratio(lvl_curves, healthy)
        lim = patient_rom_limits_rad(lvl_curves, dev.delta_rad, np.ones_like(rho))  # loosest bound
        q = ref.joint_angles_rad
        tol = np.deg2rad(1.5)  # Fourier/interpolation smoothing of the stored samples
        assert np.all(q.min(axis=0) >= lim[:, 0] - tol) and np.all(q.max(axis=0) <= lim[:, 1] + tol)
        wrap = np.abs(q[0] - q[-1])
        assert np.all(wrap <= 1.5 * np.abs(np.diff(q, axis=0)).max(axis=0) + 1e-9)
        assert np.all(rho <= 1.0 + 1e-12)


@needs_data
def test_stiff_paretic_knee_not_asked_for_healthy_stair_flexion():
    atlas = load_atlas()
    for path in sorted((DATA / "imu_patient").glob("*.json")):
        trial = trial_from_clip(path, patient=True)
        side = "r" if trial.paretic_side == "right" else "l"
        knee = trial.curves_mean_rad[trial.joint_names.index(f"knee_{side}")]
        healthy_knee = atlas.mean_curves(trial.spatiotemporal["speed_m_s"], "imu")[JOINT_NAMES.index(f"knee_{side}")]
        rho = np.ptp(knee) / np.ptp(healthy_knee)
        stairs = reference_for(trial, Task("stairs", step_height_m=0.17), atlas=atlas)
        paretic_max = stairs.joint_angles_rad[:, JOINT_NAMES.index(f"knee_{side}")].max()
        extra = task_deviation(Task("stairs", step_height_m=0.17)).delta_rad.max()  # rad
        assert paretic_max <= knee.max() + min(rho, 1.0) * extra + np.deg2rad(1.5)
        if rho < 0.4:  # the stiff knees of the README (range 6–20°): far below a healthy ~95° on stairs
            assert np.rad2deg(paretic_max) < 50


@needs_data
def test_healthy_trial_reference_uses_measured_step_phase_and_adds_ankles():
    trial = trial_from_clip(DATA / "imu_healthy" / "walk400.json")
    ref = reference_for(trial, Task())
    assert 0.4 < step_phase(trial) < 0.6
    assert ref.stride_length_m == pytest.approx(trial.spatiotemporal["stride_length_m"])
    ankle = np.rad2deg(ref.joint_angles_rad[:, JOINT_NAMES.index("ankle_r")])
    assert 15 < np.ptp(ankle) < 40  # healthy knee ratio ~1 -> nearly the full atlas ankle excursion
    assert "ankle_r" in ref.source
    # the contact timing is the trial's: its left contact phase, and a clip gives no stance (healthy 0.6)
    assert ref.left_contact_phase == pytest.approx(step_phase(trial))
    assert ref.stance_fraction == (0.6, 0.6) == stance_fractions(trial)
    # on stairs the person walks up with their own level gait
    stairs = reference_for(trial, Task("stairs", step_height_m=0.12))
    assert reference_for(trial, Task()).approach is None and stairs.approach.task == ref.task
    np.testing.assert_array_equal(stairs.approach.joint_angles_rad, ref.joint_angles_rad)


def test_stance_fractions_from_the_trial_events():
    class Trial:
        spatiotemporal = {"stance_pct_r": 64.0, "stance_pct_l": float("nan")}

    assert stance_fractions(Trial()) == (0.64, 0.6)  # a side without events: the default
    Trial.spatiotemporal = {"stance_pct_r": 58.0, "stance_pct_l": 52.5}
    assert stance_fractions(Trial()) == pytest.approx((0.58, 0.525))

