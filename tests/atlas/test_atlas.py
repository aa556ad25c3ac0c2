"""Healthy Motion Atlas: pure helpers (hand-checked) and the shipped, real-data atlas."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rl_gait.atlas import fit_speed_regression, load_atlas, task_deviation
from rl_gait.atlas.cycles import resample_cycle
from rl_gait.atlas.model import DEFAULT_ATLAS_PATH
from rl_gait.atlas.priors import periodic_knots_to_curve
from rl_gait.errors import InputFormatError, RlGaitError
from rl_gait.joints import JOINT_NAMES
from rl_gait.tasks import Task

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "strokeavatar").is_dir(), reason=f"shared data folder {DATA} is absent")


def test_fit_speed_regression_hand_computed():
    # y = 1, 3, 2 at v = 0, 1, 2: v̄ = 1, slope = Σ(x·y)/Σx² = (−1·1 + 0 + 1·2)/2 = 0.5,
    # intercept (at v̄) = ȳ = 2, residuals −0.5, 1, −0.5 → SS = 1.5, sd = sqrt(1.5 / (3 − 2))
    reg = fit_speed_regression(np.array([[1.0], [3.0], [2.0]]), np.array([0.0, 1.0, 2.0]))
    assert reg.speed_ref_m_s == 1.0 and reg.speed_range_m_s == (0.0, 2.0)
    np.testing.assert_allclose(reg.slope_per_m_s, [0.5])
    np.testing.assert_allclose(reg.intercept, [2.0])
    np.testing.assert_allclose(reg.sd, [np.sqrt(1.5)])
    np.testing.assert_allclose(reg.at(1.5)[0], [2.25])
    np.testing.assert_allclose(reg.at(9.0)[0], [2.5])  # clamped to the data range (v = 2)
    # nan rows are ignored element-wise: only 2 valid strides -> nan (needs >= 3)
    reg2 = fit_speed_regression(np.array([[1.0, 1.0], [2.0, np.nan], [3.0, np.nan]]), np.array([0.0, 1.0, 2.0]))
    assert np.isfinite(reg2.intercept[0]) and np.isnan(reg2.intercept[1])


def test_resample_cycle_is_periodic_and_shifted():
    x = np.array([0.0, 1.0, 2.0, 3.0])  # phases 0, .25, .5, .75
    y = resample_cycle(x, 0.25, n_points=5)  # phases .25, .5, .75, 1.0(=0), 1.25
    np.testing.assert_allclose(y, [1.0, 2.0, 3.0, 0.0, 1.0])
    np.testing.assert_allclose(resample_cycle(x, 0.125, n_points=3), [0.5, 2.5, 0.5])
    np.testing.assert_allclose(resample_cycle(x, 0.875, n_points=2), [1.5, 1.5])  # across the wrap 3 → 0


def test_periodic_knots_spline_passes_knots_and_closes():
    c = periodic_knots_to_curve([0, 25, 50, 75], [1.0, 2.0, -1.0, 0.5])
    np.testing.assert_allclose(c[[0, 25, 50, 75, 100]], [1.0, 2.0, -1.0, 0.5, 1.0], atol=1e-12)
    assert abs((c[1] - c[0]) - (c[100] - c[99])) < 0.05  # slope continuous across the boundary
    with pytest.raises(ValueError):
        periodic_knots_to_curve([5, 50], [0, 1])


def test_task_deviation_level_is_zero_and_priors_have_expected_signs():
    assert np.all(task_deviation(Task()).delta_rad == 0)
    up = task_deviation(Task("slope", grade_deg=10))
    k, h, a = (JOINT_NAMES.index(n) for n in ("knee_r", "hip_r", "ankle_r"))
    assert np.rad2deg(up.delta_rad[h, 0]) == pytest.approx(13.0)  # 1.3°/° × 10° at contact
    stairs = task_deviation(Task("stairs", step_height_m=0.17))
    assert np.rad2deg(stairs.delta_rad[k].max()) > 50  # stair ascent: knee much more flexed
    half = task_deviation(Task("stairs", step_height_m=0.085))
    np.testing.assert_allclose(half.delta_rad, stairs.delta_rad / 2)
    down = task_deviation(Task("slope", grade_deg=-10))
    assert down.delta_rad[a, 0] < 0 and down.delta_rad[k, 15] > 0  # more plantarflexed contact, knee loading


def test_shipped_atlas_loads_small_and_has_sidecar():
    atlas = load_atlas()
    assert DEFAULT_ATLAS_PATH.stat().st_size < 1_000_000
    meta = atlas.meta
    assert meta["counts"]["optical"]["strides"] == 118 and meta["counts"]["imu"]["strides"] == 44
    assert meta["command"].startswith("rl-gait atlas build") and len(meta["sources"]["optical"]["files"]) == 118
    assert atlas.mean_curves(1.2).shape == (6, 101)
    assert np.all(np.isnan(atlas.mean_curves(1.2, "imu")[JOINT_NAMES.index("ankle_r")]))


def test_shipped_atlas_reproduces_healthy_features():
    atlas = load_atlas()
    v = atlas.comfortable_speed_m_s
    assert 1.0 < v < 1.5
    q = np.rad2deg(atlas.mean_curves(v))
    for s in ("r", "l"):
        knee = q[JOINT_NAMES.index(f"knee_{s}")]
        assert 55 <= knee.max() <= 70 and 60 <= knee.argmax() <= 80  # swing peak
        stance_peak = knee[5:30].max()
        assert stance_peak > knee[0] + 3 and stance_peak > knee[30:50].min() + 3  # stance flexion wave
        ankle = q[JOINT_NAMES.index(f"ankle_{s}")]
        assert 50 <= ankle.argmin() <= 70 and ankle.min() < -10  # push-off plantarflexion
        hip = q[JOINT_NAMES.index(f"hip_{s}")]
        assert 35 <= np.ptp(hip) <= 55 and 40 <= hip.argmin() <= 60  # extension at terminal stance


def test_atlas_curves_vary_smoothly_with_speed():
    atlas = load_atlas()
    lo, hi = atlas.curves["optical"].speed_range_m_s
    speeds = np.linspace(lo, hi, 30)
    curves = np.stack([atlas.mean_curves(v) for v in speeds])
    step_deg = np.rad2deg(np.abs(np.diff(curves, axis=0))).max()
    assert step_deg < 0.1 * 30 * (speeds[1] - speeds[0]) / 0.1  # < 3° per 0.1 m/s everywhere
    peaks = np.rad2deg(curves[:, JOINT_NAMES.index("hip_r")].max(axis=1))
    assert peaks[-1] > peaks[0]  # hip flexion peak grows with speed (Schwartz 2008)


def test_altered_atlas_is_rejected(tmp_path):
    for ext in (".npz", ".json"):
        shutil.copy(DEFAULT_ATLAS_PATH.with_suffix(ext), tmp_path / f"a{ext}")
    with open(tmp_path / "a.npz", "ab") as f:
        f.write(b"x")
    with pytest.raises(InputFormatError, match="hash"):
        load_atlas(tmp_path / "a.npz")
    with pytest.raises(InputFormatError, match="not found"):
        load_atlas(tmp_path / "missing.npz")


@needs_data
def test_rebuild_matches_shipped_atlas_and_schwartz_crosscheck(tmp_path):
    from rl_gait.atlas.build import build_atlas

    built = build_atlas(DATA)
    shipped = load_atlas()
    for src in ("optical", "imu"):
        np.testing.assert_allclose(built.mean_curves(1.1, src), shipped.mean_curves(1.1, src), atol=1e-5)
    free = built.meta["schwartz2008_crosscheck"]["optical/Free"]
    for jt in ("hip", "knee", "ankle"):
        assert free[f"{jt}_rms_deg"] < 6.0  # adult optical atlas vs children's norms at ~1.28 m/s


# ------------------------------------------------------------------ frontal curves
def test_frontal_regression_on_hand_made_clips_removes_each_clips_obliquity_mean():
    from rl_gait.atlas.build import remove_cycle_mean
    from rl_gait.atlas.model import FRONTAL_REFERENCE_NAMES, HealthyAtlas

    # three clips at 0.8, 1.0, 1.2 m/s; obliquity = offset_i + A(v)·sin(2πφ) with A = 1°, 2°, 3° and per-clip
    # offsets 0.5°, −1°, 2° (mounting): after removing each clip's cycle mean the fit is exactly A(v)·sin, so
    # at 1.1 m/s (v̄ = 1.0, slope 5°/(m/s)) the amplitude is 2.5°, and the offsets are gone.
    phi = np.linspace(0.0, 1.0, 101)
    v = np.array([0.8, 1.0, 1.2])
    po = np.stack([np.deg2rad(off + amp * np.sin(2 * np.pi * phi)) for off, amp in ((0.5, 1.0), (-1.0, 2.0), (2.0, 3.0))])
    np.testing.assert_allclose(remove_cycle_mean(po)[1], np.deg2rad(2.0 * np.sin(2 * np.pi * phi)), atol=1e-12)
    hip = np.deg2rad(4.0) * np.ones((3, 2, 101))  # constant 4° adduction both sides
    y = np.concatenate([remove_cycle_mean(po)[:, None], hip], axis=1)
    reg = fit_speed_regression(y, v)
    atlas = HealthyAtlas(JOINT_NAMES, {}, {}, frontal={"imu": reg}, frontal_names=FRONTAL_REFERENCE_NAMES)
    f = atlas.frontal_mean_curves(1.1, "imu")
    assert tuple(f) == FRONTAL_REFERENCE_NAMES
    np.testing.assert_allclose(np.rad2deg(f["pelvic_obliquity"]), 2.5 * np.sin(2 * np.pi * phi), atol=1e-9)
    np.testing.assert_allclose(np.rad2deg(f["hip_adduction_r"]), 4.0, atol=1e-9)
    with pytest.raises(RlGaitError, match="imu"):
        atlas.frontal_mean_curves(1.1, "optical")


def test_shipped_atlas_frontal_ranges_and_timing_are_healthy():
    """Measured 2026-12 (IMU clips): pelvic obliquity range 2.2° / 2.9° at 1.0 / 1.3 m/s (literature 2–6°); hip
    adduction 6.1° r, 7.6° l / 6.6° r, 7.9° l (literature ~10–15° optically; the Noitom suit's hip amplitude is
    ~30 % smaller than optical mocap's in the sagittal plane too)."""
    atlas = load_atlas()
    assert atlas.frontal_names == ("pelvic_obliquity", "hip_adduction_r", "hip_adduction_l")
    for v in (1.0, 1.3):
        f = {n: np.rad2deg(c) for n, c in atlas.frontal_mean_curves(v, "imu").items()}
        po = f["pelvic_obliquity"]
        assert 1.5 <= np.ptp(po) <= 8.0 and abs(po.mean()) < 0.2
        assert 5 <= po.argmin() <= 30 and 55 <= po.argmax() <= 80  # swing side drops: left in right stance
        for s in ("r", "l"):
            hip = f[f"hip_adduction_{s}"]
            assert 5.0 <= np.ptp(hip) <= 18.0
            assert hip.argmax() < 50 and 55 <= hip.argmin() <= 90  # adducted in stance, abducted in swing
    assert np.ptp(atlas.frontal_mean_curves(1.3, "imu")["pelvic_obliquity"]) > np.ptp(
        atlas.frontal_mean_curves(1.0, "imu")["pelvic_obliquity"])
    with pytest.raises(RlGaitError, match="source='imu'"):
        atlas.frontal_mean_curves(1.0)


def test_atlas_without_frontal_curves_still_loads(tmp_path):
    import dataclasses
    import json

    old = dataclasses.replace(load_atlas(), frontal={}, frontal_names=())
    path = old.save(tmp_path / "old.npz")
    doc = json.loads(path.with_suffix(".json").read_text())
    assert "frontal_names" not in doc and not any(k.startswith("frontal__") for k in doc["regressions"])
    back = load_atlas(path)
    assert back.frontal_mean_curves(1.0) == {} and back.frontal_mean_curves(1.0, "imu") == {}
    np.testing.assert_array_equal(back.mean_curves(1.0), load_atlas().mean_curves(1.0))
