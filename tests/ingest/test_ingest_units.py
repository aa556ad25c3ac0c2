"""Pure functions of ingestion, checked against numbers worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from rl_gait.errors import DataQualityError
from rl_gait.ingest.alignment import (
    SegmentAxes,
    detect_static_period,
    sagittal_inclination_rad,
    shank_omega_sign,
)
from rl_gait.ingest.events import (
    AMINIAN_LAG_CYCLES,
    ANKLE_PEAK_LEAD_CYCLES,
    ankle_forward_m,
    detect_events,
    strides_from_events,
)
from rl_gait.ingest.joint_angles import WalkingPriors, apply_walking_priors, joint_angles_from_inclinations
from rl_gait.ingest.orientation import angular_velocity_from_quat
from rl_gait.ingest.parameters import (
    double_support_fractions,
    normalise_strides,
    spatiotemporal_parameters,
    stance_fractions,
)
from rl_gait.ingest.paretic import infer_paretic_side
from rl_gait.ingest.sensors import canonical_segment, nan_runs, repair_gaps, segment_for, unwrap_counter
from rl_gait.ingest.trial import GaitEvents


def test_unwrap_counter_at_65536():
    assert unwrap_counter(np.array([65534, 65535, 0, 1, 3])).tolist() == [65534, 65535, 65536, 65537, 65539]


def test_nan_runs_and_repair_short_gap_linear():
    x = np.array([[0.0], [np.nan], [np.nan], [3.0], [4.0]])
    assert nan_runs(np.isfinite(x[:, 0])) == [(1, 3)]
    fixed, n = repair_gaps(x, 2, path="f", what="gyr")
    assert n == 2
    np.testing.assert_allclose(fixed[:, 0], [0, 1, 2, 3, 4])


def test_repair_refuses_long_gap_one_line():
    x = np.array([[0.0], [np.nan], [np.nan], [np.nan], [4.0]])
    with pytest.raises(DataQualityError) as e:
        repair_gaps(x, 2, path="f.csv", what="gyr")
    assert "\n" not in str(e.value) and "f.csv" in str(e.value) and "3 consecutive" in str(e.value)


def test_segment_names_and_suffix_matching():
    assert canonical_segment("L_LowLeg") == "shank_l"
    assert canonical_segment("rightfoot") == "foot_r"
    assert canonical_segment("lumbar") == "pelvis"
    assert canonical_segment("L_LowLeg2") is None
    assert segment_for("00B47787", {"47787": "foot_l"}) == "foot_l"


def test_paretic_side_by_hand():
    # knee range SI = -40 % (left larger -> right paretic): e = 40/20 = 2 (weight 2);
    # stance SI = -4 %: e = 4/8 = 0.5 (weight 1). E = (2*2 + 0.5)/3 = 1.5, confidence = tanh(1.5) = 0.905
    side, conf, terms = infer_paretic_side({"knee_range": -40.0, "stance_pct": -4.0})
    assert side == "right"
    assert conf == pytest.approx(np.tanh(1.5))
    assert terms == {"knee_range": 2.0, "stance_pct": 0.5}
    side, conf, _ = infer_paretic_side({"knee_range": 3.0})  # E = -0.15 -> tanh = 0.149 < 0.5
    assert side == "none" and conf == pytest.approx(np.tanh(0.15))
    assert infer_paretic_side({})[0] == "none"


def test_sagittal_inclination_of_a_rotated_segment():
    # segment tilted by theta = 0.3 rad distal-forward: rotation -0.3 about +y (x fwd, y left, z up);
    # sensor mounted with an arbitrary rotation: axes given in the sensor frame.
    mount = Rotation.from_euler("xyz", [0.4, -1.0, 2.0])
    seg = Rotation.from_rotvec([[0, -0.3, 0], [0, 0.0, 0], [0, 0.5, 0]])
    q = (seg * mount).as_quat()
    q_wxyz = q[:, [3, 0, 1, 2]]
    axes = SegmentAxes(long_axis=mount.inv().apply([0, 0, 1.0]), flexion_axis=mount.inv().apply([0, -1.0, 0]),
                       source="static")
    np.testing.assert_allclose(sagittal_inclination_rad(q_wxyz, axes), [0.3, 0.0, -0.5], atol=1e-12)


def test_joint_angles_from_inclinations_by_hand():
    th = {"pelvis": np.array([0.1]), "thigh_r": np.array([0.5]), "shank_r": np.array([-0.2]),
          "foot_r": np.array([0.0])}
    a = joint_angles_from_inclinations(th)
    assert a["hip_r"][0] == pytest.approx(0.4)    # 0.5 - 0.1
    assert a["knee_r"][0] == pytest.approx(0.7)   # 0.5 - (-0.2)
    assert a["ankle_r"][0] == pytest.approx(0.2)  # 0.0 - (-0.2)
    assert "hip_l" not in a


def test_walking_priors_shift():
    knee = np.linspace(-0.5, 0.5, 101)  # p2 = -0.48
    hip = np.full(10, 0.3)
    out = apply_walking_priors({"knee_r": knee, "hip_r": hip}, WalkingPriors(0.05, 0.2))
    assert np.percentile(out["knee_r"], 2) == pytest.approx(0.05)
    assert out["hip_r"].mean() == pytest.approx(0.2)


def test_angular_velocity_from_constant_rotation():
    fs, rate = 100.0, np.array([0.5, -1.0, 2.0])
    rot = Rotation.from_rotvec(np.outer(np.arange(50) / fs, rate))
    q = rot.as_quat()[:, [3, 0, 1, 2]]
    np.testing.assert_allclose(angular_velocity_from_quat(q, fs), np.tile(rate, (50, 1)), atol=1e-9)


def test_static_period_detection():
    fs = 100.0
    g = np.concatenate([np.full(150, 0.05), np.full(300, 2.0)])
    s = detect_static_period([g, g], fs)
    assert s is not None and s.start == 0 and 130 <= s.stop <= 150
    assert detect_static_period([np.full(400, 2.0)], fs) is None


def test_stride_normalisation_and_stance_by_hand():
    t = np.linspace(0, 2, 201)
    curves = normalise_strides(t, 2 * t, np.array([[0.0, 1.0], [1.0, 2.0]]), n_points=3)
    np.testing.assert_allclose(curves, [[0, 1, 2], [2, 3, 4]])
    # stride 0..1, FO at 0.6 -> 60 %; stride 1..2, FO at 1.65 -> 65 %
    np.testing.assert_allclose(stance_fractions(np.array([[0.0, 1.0], [1.0, 2.0]]), np.array([0.6, 1.65])),
                               [0.6, 0.65])


def test_double_support_by_hand():
    ev_r = GaitEvents(np.array([0.0, 1.0]), np.array([0.62]))
    ev_l = GaitEvents(np.array([0.5]), np.array([0.1]))
    # (FO_l - IC_r) + (FO_r - IC_l) = 0.1 + 0.12 = 0.22 of a 1 s stride
    np.testing.assert_allclose(double_support_fractions(np.array([[0.0, 1.0]]), ev_r, ev_l), [0.22])


def test_spatiotemporal_by_hand():
    strides = {"r": np.array([[0.0, 1.0], [1.0, 2.0]]), "l": np.array([[0.5, 1.5], [1.5, 2.5]])}
    events = {"r": GaitEvents(np.array([0.0, 1.0, 2.0]), np.array([0.6, 1.6])),
              "l": GaitEvents(np.array([0.5, 1.5, 2.5]), np.array([1.1, 2.1]))}
    p = spatiotemporal_parameters(strides, events, speed_m_s=1.2)
    assert p["cadence_steps_per_min"] == pytest.approx(120.0)
    assert p["stance_pct_r"] == pytest.approx(60.0) and p["stance_pct_l"] == pytest.approx(60.0)
    assert p["step_time_s_r"] == pytest.approx(0.5)
    assert p["double_support_pct"] == pytest.approx(20.0)  # (0.1 + 0.1) / 1.0
    assert p["stride_length_m"] == pytest.approx(1.2) and p["step_length_m_l"] == pytest.approx(0.6)


def test_event_detector_on_a_shank_like_signal():
    # one stride = 1.25 s: a narrow positive swing peak and negative dips either side
    fs, stride = 100.0, 1.25
    t = np.arange(int(10 * fs)) / fs
    phi = (t / stride) % 1.0
    w = 5 * np.exp(-0.5 * ((phi - 0.8) / 0.05) ** 2) - 2 * np.exp(-0.5 * ((phi - 0.62) / 0.03) ** 2) \
        - 1.5 * np.exp(-0.5 * ((phi - 0.97) / 0.02) ** 2)
    ev, ms = detect_events(w, fs)
    np.testing.assert_allclose(np.diff(ms), stride, atol=0.011)
    # the contact dip at 0.97, moved earlier by the Aminian lag
    np.testing.assert_allclose((ev.initial_contact_s / stride) % 1.0, 0.97 - AMINIAN_LAG_CYCLES, atol=0.02)
    np.testing.assert_allclose((ev.foot_off_s / stride) % 1.0, 0.62, atol=0.02)
    assert detect_events(np.zeros(1000), fs)[0].initial_contact_s.size == 0


def test_ankle_forward_by_hand():
    # hip 30°, knee 30°: thigh 30° forward, shank vertical -> 0.245·0.5 = 0.1225 m; hip 0, knee 90° -> -0.246 m
    np.testing.assert_allclose(ankle_forward_m(np.radians([30.0, 0.0]), np.radians([30.0, 90.0])), [0.1225, -0.246])


def test_angle_based_initial_contact_is_the_ankle_peak_plus_its_lead():
    """The same shank-like ω as above, whose contact dip is at 0.97; the ankle's forward peak at 0.90 wins
    (plus the lead), also for a stiff shank with no dip at all."""
    fs, stride = 100.0, 1.25
    t = np.arange(int(10 * fs)) / fs
    phi = (t / stride) % 1.0
    w = 5 * np.exp(-0.5 * ((phi - 0.8) / 0.05) ** 2) - 2 * np.exp(-0.5 * ((phi - 0.62) / 0.03) ** 2) \
        - 1.5 * np.exp(-0.5 * ((phi - 0.97) / 0.02) ** 2)
    fwd = np.cos(2 * np.pi * (phi - 0.90))
    for omega in (w, np.clip(w, 0.0, None) - 0.2):  # with a contact dip; without (glides into stance)
        ev, _ = detect_events(omega, fs, ankle_forward=fwd)
        np.testing.assert_allclose((ev.initial_contact_s / stride) % 1.0, 0.90 + ANKLE_PEAK_LEAD_CYCLES, atol=0.012)


def test_shank_omega_sign_follows_the_inclination_rate():
    """A stiff paretic shank whose swing lasts longer than its stance fools the swing-median rule; the
    inclination rate d/dt(hip − knee) does not."""
    t = np.arange(0, 10, 0.01)
    incl_rate = np.where(t % 1.0 < 0.55, 1.0, -1.2) + 0.3 * np.sin(2 * np.pi * 3 * t)  # 55 % swing, 45 % stance
    assert shank_omega_sign(incl_rate, None) == -1.0  # the median rule alone flips a correct signal
    assert shank_omega_sign(incl_rate, incl_rate) == 1.0
    assert shank_omega_sign(-incl_rate, incl_rate) == -1.0
    assert shank_omega_sign(incl_rate, np.random.default_rng(0).normal(size=t.size)) == -1.0  # |r| < 0.3: median rule


def test_strides_filter_outliers_and_breaks():
    ic = np.array([0.0, 1.0, 2.0, 3.9, 4.9, 5.9])
    s = strides_from_events(ic, breaks_s=np.array([5.5]))
    assert s.tolist() == [[0.0, 1.0], [1.0, 2.0], [3.9, 4.9]]


def test_periodic_extension_tiles_whole_cycles_and_keeps_the_closing_frame():
    """[a, b, c, a'] (3 frames a cycle + the closing frame) × 3 → a b c a b c a b c a' (3·3 + 1 frames)."""
    from rl_gait.ingest.kinematics import periodic_extension

    x = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [0.1, 1.1]])
    y = periodic_extension(x, 3)
    np.testing.assert_array_equal(y[:, 0], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0.1])
    assert y.shape == (10, 2)
    np.testing.assert_array_equal(periodic_extension(x, 1), x)
    with pytest.raises(ValueError):
        periodic_extension(x, 0)
