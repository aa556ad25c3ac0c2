"""Gait Variable / Profile Scores: hand-checked math, then healthy vs stroke clips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rl_gait.atlas import (
    fit_speed_regression,
    gait_profile_score,
    gait_profile_score_deg,
    gait_variable_score_deg,
    load_atlas,
)
from rl_gait.atlas.build import clip_curves
from rl_gait.atlas.clip_trial import trial_from_clip
from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clips

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "strokeavatar").is_dir(), reason=f"shared data folder {DATA} is absent")


def test_gvs_and_gps_hand_computed():
    ref = np.zeros(101)
    assert gait_variable_score_deg(ref + np.deg2rad(2.0), ref) == pytest.approx(2.0)
    # +3° on the first half of the unique points, −1° on the second: RMS = sqrt((9 + 1) / 2)
    c = np.deg2rad(np.r_[np.full(50, 3.0), np.full(50, -1.0), 3.0])
    assert gait_variable_score_deg(c, ref) == pytest.approx(np.sqrt(5.0))
    assert gait_profile_score_deg([3.0, 4.0]) == pytest.approx(np.sqrt(12.5))
    assert np.isnan(gait_profile_score_deg([]))


@needs_data
def test_gps_returns_contract_keys():
    trial = trial_from_clip(DATA / "strokeavatar" / "imu_healthy" / "walk400.json")
    gps = gait_profile_score(trial)
    assert set(gps) == {"overall", "r", "l", "gvs"}
    assert set(gps["gvs"]) == {"hip_r", "knee_r", "hip_l", "knee_l"}
    assert gps["overall"] == pytest.approx(gait_profile_score_deg(list(gps["gvs"].values())))


@needs_data
def test_gps_healthy_lower_than_stroke():
    """Healthy IMU clips scored leave-one-out (atlas IMU source refitted without the clip) vs the 13
    stroke clips. Distributions are printed (run with -s)."""
    atlas = load_atlas()
    paths = sorted((DATA / "strokeavatar" / "imu_healthy").glob("*.json"))
    clips = read_strokeavatar_clips(paths)
    curves = np.stack([clip_curves(c)[0] for c in clips])
    speeds = np.array([c.ave_velocity_m_s for c in clips])
    healthy = []
    for i, p in enumerate(paths):
        keep = np.arange(len(paths)) != i
        loo = replace(atlas, curves={**atlas.curves, "imu": fit_speed_regression(curves[keep], speeds[keep])})
        healthy.append(gait_profile_score(trial_from_clip(p), atlas=loo)["overall"])
    stroke = [gait_profile_score(trial_from_clip(p, patient=True), atlas=atlas)["overall"]
              for p in sorted((DATA / "strokeavatar" / "imu_patient").glob("*.json"))]
    h, s = np.array(healthy), np.array(stroke)
    print(f"\nGPS healthy (n={h.size}, LOO): median {np.median(h):.1f}°, IQR {np.percentile(h, 25):.1f}–"
          f"{np.percentile(h, 75):.1f}°, range {h.min():.1f}–{h.max():.1f}°")
    print(f"GPS stroke  (n={s.size}): median {np.median(s):.1f}°, IQR {np.percentile(s, 25):.1f}–"
          f"{np.percentile(s, 75):.1f}°, range {s.min():.1f}–{s.max():.1f}°")
    assert np.median(h) < np.median(s)
    assert np.mean(s > np.median(h)) >= 0.75
