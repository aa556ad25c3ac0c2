"""Frontal-plane curves of a reference (issue 27 item 3): storage, evaluation, the hemiparetic family's hip
hiking and circumduction, a patient's measured curves, and what the 3D env makes of them."""

from __future__ import annotations

import math
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

import rl_gait  # noqa: F401  (registers the env ids)
from rl_gait.envs.rewards import pelvic_obliquity_reward
from rl_gait.ingest.frontal import pelvic_obliquity_tilt_rad
from rl_gait.joints import JOINT_NAMES, N_CURVE_POINTS
from rl_gait.reference.healthy import frontal_samples, side_curves_to_samples
from rl_gait.reference.impaired import ImpairmentModel, impaired_frontal_curves
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.reference.patient import patient_frontal_curves

N = 100
PHASE = np.arange(N) / N


def _ref(**kw) -> ReferenceMotion:
    q = np.zeros((N, len(JOINT_NAMES)))
    q[:, 1] = 0.5 + 0.4 * np.sin(2 * np.pi * PHASE)
    frontal = np.stack([0.05 * np.sin(2 * np.pi * PHASE), 0.1 * np.cos(2 * np.pi * PHASE)], axis=1)
    return ReferenceMotion(joint_names=JOINT_NAMES, joint_angles_rad=q, cycle_duration_s=1.0, speed_m_s=1.0,
                           stride_length_m=1.0, frontal_names=("pelvic_obliquity", "hip_adduction_r"),
                           frontal_angles_rad=frontal, **kw)


def test_frontal_curves_evaluate_at_their_samples_and_round_trip(tmp_path):
    ref = _ref()
    np.testing.assert_allclose(ref.frontal_at(PHASE), ref.frontal_angles_rad, atol=1e-12)
    assert ref.frontal_curve_at("pelvic_obliquity", 0.25) == pytest.approx(0.05)
    assert ref.frontal_curve_at("hip_adduction_l", 0.25) is None
    # d/dt of 0.05·sin(2πφ) and 0.1·cos(2πφ) over a 1-s cycle, at φ = 0: 0.05·2π and 0 rad/s
    np.testing.assert_allclose(ref.frontal_velocities_at(0.0), [0.05 * 2 * np.pi, 0.0], atol=1e-12)
    for back in (ReferenceMotion.load(ref.save(tmp_path / "r")), ReferenceMotion.from_dict(ref.to_dict())):
        assert back.frontal_names == ref.frontal_names
        np.testing.assert_array_equal(back.frontal_angles_rad, ref.frontal_angles_rad)


def test_a_reference_without_frontal_curves_has_none():
    ref = ReferenceMotion(joint_names=JOINT_NAMES, joint_angles_rad=np.zeros((N, 6)), cycle_duration_s=1.0,
                          speed_m_s=1.0, stride_length_m=1.0)
    assert ref.frontal_names == () and ref.frontal_angles_rad is None and ref.frontal_at(0.3).shape == (0,)


@pytest.mark.parametrize("kw", [
    {"frontal_names": ("pelvic_tilt",), "frontal_angles_rad": np.zeros((N, 1))},  # not a reference curve
    {"frontal_names": ("pelvic_obliquity",), "frontal_angles_rad": np.zeros((N, 2))},  # shape
    {"frontal_names": ("pelvic_obliquity",), "frontal_angles_rad": np.full((N, 1), 10.0)},  # degrees
    {"frontal_names": (), "frontal_angles_rad": np.zeros((N, 1))},  # curves without names
])
def test_bad_frontal_curves_are_refused(kw):
    with pytest.raises(ValueError):
        ReferenceMotion(joint_names=JOINT_NAMES, joint_angles_rad=np.zeros((N, 6)), cycle_duration_s=1.0,
                        speed_m_s=1.0, stride_length_m=1.0, **kw)


def test_the_pelvis_is_not_shifted_the_left_hip_is():
    curves = np.zeros((2, N_CURVE_POINTS))
    curves[:, 0] = 1.0  # a spike at each curve's own phase 0
    out = side_curves_to_samples(curves, 0.3, names=("pelvic_obliquity", "hip_adduction_l"))
    assert np.argmax(out[:, 0]) == 0 and np.argmax(out[:, 1]) == 30
    names, samples = frontal_samples({"hip_adduction_l": curves[1], "pelvic_obliquity": curves[0]}, 0.3)
    assert names == ("pelvic_obliquity", "hip_adduction_l") and samples.shape == (N, 2)
    assert frontal_samples({}, 0.5) == ((), None)


def test_hip_hiking_and_circumduction_hand_checked():
    """Zero healthy curves, paretic left, stance ending at 0.6: the left hip is abducted by the full 8° in mid
    swing (own phase 0.8) and untouched in mid stance; the right hip is untouched; the pelvis' left side rises by
    the full 6° over the left swing (right-stride phase 0.3), the curve centred on 0, so its range is 6°."""
    m = ImpairmentModel(paretic_side="left", hip_hiking_deg=6.0, circumduction_deg=8.0)
    out = impaired_frontal_curves({}, {"r": 0.6, "l": 0.6}, m)
    assert math.degrees(out["hip_adduction_l"][80]) == pytest.approx(-8.0)
    assert out["hip_adduction_l"][30] == 0.0 and not out["hip_adduction_r"].any()
    pelvis = np.degrees(out["pelvic_obliquity"])
    assert np.ptp(pelvis) == pytest.approx(6.0) and pelvis.mean() == pytest.approx(0.0, abs=1e-12)
    assert pelvis[30] == pytest.approx(pelvis.max()) and pelvis[80] == pytest.approx(pelvis.min())
    right = impaired_frontal_curves({}, {"r": 0.6, "l": 0.6}, ImpairmentModel(paretic_side="right", hip_hiking_deg=6.0))
    assert np.degrees(right["pelvic_obliquity"][80]) == pytest.approx(np.degrees(right["pelvic_obliquity"]).min())


def test_a_patients_measured_curves_keep_their_shape_about_the_healthy_mean():
    t = np.linspace(0, 1, N_CURVE_POINTS)
    trial = SimpleNamespace(frontal_names=("pelvic_obliquity", "pelvic_tilt", "hip_adduction_r"),
                            frontal_curves_mean_rad=np.stack([0.3 + 0.1 * np.sin(2 * np.pi * t),  # 0.3 rad offset
                                                              np.zeros_like(t), 0.2 * t]))
    healthy = {"pelvic_obliquity": np.full_like(t, 0.01), "hip_adduction_l": np.full_like(t, 0.05)}
    out = patient_frontal_curves(trial, healthy)
    assert set(out) == {"pelvic_obliquity", "hip_adduction_r", "hip_adduction_l"}
    assert out["pelvic_obliquity"].mean() == pytest.approx(0.01)
    assert np.ptp(out["pelvic_obliquity"]) == pytest.approx(np.ptp(trial.frontal_curves_mean_rad[0]))
    assert out["hip_adduction_r"].mean() == pytest.approx(0.0) and np.ptp(out["hip_adduction_r"]) == pytest.approx(0.2)
    np.testing.assert_array_equal(out["hip_adduction_l"], healthy["hip_adduction_l"])
    assert patient_frontal_curves(SimpleNamespace(frontal_names=()), {}) == {}


def test_pelvic_obliquity_reward_hand_checked():
    assert pelvic_obliquity_reward(0.1, 0.0, 0.05, 100.0) == pytest.approx(0.05 * math.exp(-1.0))
    assert pelvic_obliquity_reward(-0.02, -0.02, 0.05, 100.0) == pytest.approx(0.05)


def test_the_3d_env_starts_at_the_references_obliquity_and_tracks_it():
    ref = _ref()
    env = gym.make("rl_gait/LevelWalk-v0", body_model="3d", reference=ref).unwrapped
    obs, _ = env.reset(seed=0, options={"phase": 0.25})
    obliquity, _ = pelvic_obliquity_tilt_rad(env.data.xmat[env.layout.pelvis_body].reshape(3, 3))
    assert float(obliquity) == pytest.approx(0.05, abs=1e-3)  # sin(2π·0.25) · 0.05
    s = env.observation_structure
    assert s["ref_pelvis"].stop - s["ref_pelvis"].start == 1
    i_next = int(((0.25 + env._dphase) % 1.0) * 1000) / 1000
    assert obs[s["ref_pelvis"]][0] == pytest.approx(0.05 * math.sin(2 * np.pi * i_next), abs=1e-3)
    j = s["ref_next"].start + 6  # hip_adduction_r, the first non-sagittal joint
    assert obs[j] == pytest.approx(0.1 * math.cos(2 * np.pi * i_next), abs=1e-3)
    _, reward, _, _, info = env.step(np.zeros(14))
    assert 0.0 < info["reward_pelvic_obliquity"] <= env.weights.pelvic_obliquity
    assert reward == pytest.approx(sum(v for k, v in info.items() if k.startswith("reward_")))
