"""Units of the clinical-sensor-set pieces: ZUPT smoother, stride lengths, the conditional joint model,
gait phase, paretic evidence, the foot-pitch sign (hand-computed or exactly constructed cases)."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.ingest.alignment import foot_pitch_sign
from rl_gait.ingest.missing_joints import (
    JointCurveModel,
    ObservationNoise,
    curve_coefficients,
    curve_time_series,
    cycle_phase,
    fourier_basis,
    load_joint_model,
)
from rl_gait.ingest.parameters import push_off_omega, swing_peak_omega
from rl_gait.ingest.paretic import PareticEvidence, evidence_table, infer_paretic_side
from rl_gait.ingest.zupt import (
    G_M_S2,
    FootTrajectory,
    free_acceleration_world,
    still_mask,
    still_run_displacements_m,
    stride_lengths_m,
    zupt_smoother,
)


def _foot_walk(fs=100.0, stride_s=1.0, length_m=1.2, n=6, bias=0.0):
    """A foot that stands 0.4 s, then moves ``length_m`` forward in 0.6 s (smooth 1 − cos velocity), n times.
    Returns (world free acceleration [T, 3], still mask [T], contact times)."""
    t = np.arange(int(n * stride_s * fs) + int(0.4 * fs)) / fs
    acc = np.zeros((len(t), 3))
    still = np.ones(len(t), bool)
    swing = 0.6
    for k in range(n):
        a = k * stride_s + 0.4
        sel = (t >= a) & (t < a + swing)
        u = (t[sel] - a) / swing
        # x(u) = L (u − sin(2πu)/2π): v = L/T (1 − cos 2πu), a = L/T² 2π sin 2πu
        acc[sel, 0] = length_m / swing ** 2 * 2 * np.pi * np.sin(2 * np.pi * u)
        still[sel] = False
    acc[:, 0] += bias
    return acc, still, np.arange(n + 1) * stride_s


def test_free_acceleration_removes_gravity():
    acc = np.tile([0.0, 0.0, G_M_S2], (5, 1))
    q = np.tile([1.0, 0.0, 0.0, 0.0], (5, 1))
    np.testing.assert_allclose(free_acceleration_world(acc, q), 0.0, atol=1e-12)
    # sensor pitched 90° about y (sensor x points down): gravity reads along +x... rotated back to world z
    q90 = np.tile([np.cos(np.pi / 4), 0.0, np.sin(np.pi / 4), 0.0], (5, 1))
    np.testing.assert_allclose(free_acceleration_world(np.tile([-G_M_S2, 0, 0], (5, 1)), q90), 0.0, atol=1e-9)


def test_zupt_smoother_recovers_each_stride_length_exactly_without_noise():
    acc, still, _ = _foot_walk()
    pos, vel = zupt_smoother(acc, still, 100.0)
    # each swing moves 1.2 m: positions at the still periods step by 1.2 m
    steps = [pos[int((k + 1) * 100 + 20), 0] - pos[int(k * 100 + 20), 0] for k in range(5)]
    np.testing.assert_allclose(steps, 1.2, atol=0.01)
    assert np.abs(vel[still]).max() < 0.02


def test_zupt_smoother_absorbs_a_constant_acceleration_bias():
    """0.2 m/s² of bias integrates to 0.036 m per 0.6 s swing (½·a·t²) without correction; the RTS smoother with
    the bias state removes it."""
    acc, still, _ = _foot_walk(bias=0.2)
    pos, _ = zupt_smoother(acc, still, 100.0)
    steps = [pos[int((k + 1) * 100 + 20), 0] - pos[int(k * 100 + 20), 0] for k in range(1, 5)]
    np.testing.assert_allclose(steps, 1.2, atol=0.01)


def test_stride_lengths_from_still_runs():
    pos = np.zeros((400, 3))
    still = np.zeros(400, bool)
    for k, x in enumerate((0.0, 1.0, 2.1, 3.3)):
        pos[k * 100:(k + 1) * 100, 0] = x
        still[k * 100 + 10:k * 100 + 40] = True
    runs = [(k * 100 + 10, k * 100 + 40) for k in range(4)]
    traj = FootTrajectory(position_m=pos, velocity_m_s=np.zeros_like(pos), still=still, still_runs=runs)
    strides = np.array([[0.05, 1.05], [1.05, 2.05], [2.05, 3.05]])
    np.testing.assert_allclose(stride_lengths_m(traj, strides, 100.0), [1.0, 1.1, 1.2])


def test_still_run_displacements_by_hand():
    pos = np.zeros((30, 3))
    pos[10:20, :2] = [3.0, 4.0]
    pos[20:, :2] = [3.0, 10.0]
    np.testing.assert_allclose(still_run_displacements_m(pos, [(0, 5), (12, 18), (25, 30)]), [5.0, 6.0])


def test_still_mask_thresholds_and_minimum_run():
    n = 100
    acc = np.tile([0.0, 0.0, G_M_S2], (n, 1))
    gyr = np.full((n, 3), 2.0)
    gyr[20:60] = 0.0  # 0.4 s still
    gyr[80:83] = 0.0  # 0.03 s: too short
    m = still_mask(acc, gyr, 100.0)
    assert m[30:50].all() and not m[80:83].any() and not m[:10].any()


def test_conditional_model_matches_the_gaussian_formula_by_hand():
    """A 1-harmonic model: z = [c(hip) (3), c(knee) (3), c(ankle) (3), speed]. With a diagonal prior and a
    measured knee curve, the knee posterior mean is the precision-weighted average, and the hip — independent
    of the knee in this prior — stays at its prior."""
    h = 1
    d = 3 * (2 * h + 1) + 1
    mean = np.zeros(d)
    mean[3] = np.deg2rad(20.0)  # knee mean offset 20°
    cov = np.eye(d) * np.deg2rad(10.0) ** 2
    model = JointCurveModel(n_harmonics=h, mean=mean, cov=cov)
    knee = np.full(101, np.deg2rad(40.0))  # a flat 40° knee
    est = model.estimate({"knee": knee}, ObservationNoise(shape_deg=10.0, offset_deg=10.0))
    # equal prior and measurement variance: posterior offset (20 + 40) / 2 = 30°, variance halved
    np.testing.assert_allclose(np.degrees(est["knee"].mean_rad), 30.0, atol=1e-9)
    np.testing.assert_allclose(np.degrees(est["hip"].mean_rad), 0.0, atol=1e-9)
    b = fourier_basis(h)
    np.testing.assert_allclose(est["knee"].sd_rad, np.sqrt(np.sum(b ** 2, axis=1) * np.deg2rad(10.0) ** 2 / 2))


def test_shank_inclination_informs_hip_and_knee():
    """With hip and knee correlated in the prior, a measured shank inclination (hip − knee, mean removed) moves
    the estimate: the shipped model's posterior band is narrower than its prior band (knee 8.7° → 6.5°, hip
    9.6° → 8.2° RMS)."""
    model = load_joint_model()
    prior = model.estimate({})
    shank = 0.7 * (prior["hip"].mean_rad - prior["knee"].mean_rad)  # a stiff leg's shank swing
    post = model.estimate({"shank": shank, "speed": 1.0})
    # the shape narrows the knee most; the hip's offset stays uncertain (a shank says nothing about it)
    assert np.mean(post["knee"].sd_rad) < 0.8 * np.mean(prior["knee"].sd_rad)
    assert np.mean(post["hip"].sd_rad) < 0.9 * np.mean(prior["hip"].sd_rad)
    # the estimate reproduces the measured shank shape, (hip − knee) minus its mean, within the 2° per
    # coefficient the measurement is trusted to (the prior's pull is what remains)
    est = post["hip"].mean_rad - post["knee"].mean_rad
    prior_gap = np.degrees(np.sqrt(np.mean((0.3 / 0.7 * (shank - shank.mean())) ** 2)))
    gap = np.degrees(np.sqrt(np.mean(((est - est.mean()) - (shank - shank.mean())) ** 2)))
    assert gap < 2.0 < prior_gap


def test_fourier_coefficients_roundtrip():
    phi = np.linspace(0, 1, 101)
    curve = 0.3 + 0.2 * np.cos(2 * np.pi * phi) - 0.1 * np.sin(6 * np.pi * phi)
    c = curve_coefficients(curve, 4)
    np.testing.assert_allclose(c[[0, 1, 6]], [0.3, 0.2, -0.1], atol=1e-12)
    np.testing.assert_allclose(fourier_basis(4) @ c, curve, atol=1e-12)


def test_cycle_phase_and_time_series():
    t = np.arange(-1.0, 5.0, 0.5)
    np.testing.assert_allclose(cycle_phase(t, np.array([1.0, 2.0, 3.0])), t - 1.0)  # extrapolated both ends
    # ICs 1, 2, 4 s: median stride 1.5 s; 3 s is half way through the 2–4 s stride
    np.testing.assert_allclose(cycle_phase(np.array([0.25, 3.0, 4.75]), np.array([1.0, 2.0, 4.0])), [-0.5, 1.5, 2.5])
    curve = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(curve_time_series(curve, np.array([0.0, 0.25, 1.5, -0.5])), [0.0, 0.25, 0.5, 0.5])


def test_swing_peak_and_push_off_by_hand():
    t = np.arange(0, 3, 0.01)
    w = np.zeros_like(t)
    w[50], w[150], w[250] = 4.0, 5.0, 6.0  # swing peaks
    w[40], w[140] = -2.0, -3.0  # push-off before foot off at 0.45 s, 1.45 s
    assert swing_peak_omega(t, w, np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])) == 5.0
    assert push_off_omega(t, w, np.array([0.45, 1.45]), 1.0) == 2.5


def test_paretic_evidence_from_new_indices_by_hand():
    """Shank range 30 % smaller on the left (SI +30 %, scale 15 → e = −2), push-off 60 % smaller on the left
    (SI +60 %, scale 30 → −2): E = −2, confidence tanh 2 = 0.96, left."""
    si = {"shank_range": 30.0, "push_off_omega": 60.0, "stance_pct": float("nan")}
    side, conf, terms = infer_paretic_side(si)
    assert side == "left" and conf == pytest.approx(np.tanh(2.0))
    assert terms == {"shank_range": -2.0, "push_off_omega": -2.0}
    rows = evidence_table(si, terms, PareticEvidence())
    assert [r["points_to"] for r in rows] == ["left", "left"] and rows[0]["what"].startswith("shank")


def test_foot_pitch_sign():
    phi = np.linspace(0, 5, 500) % 1.0
    toes_up_positive = np.where(phi < 0.55, 0.0, np.where(phi < 0.65, -0.8, 0.3))  # push-off −46°, contact +17°
    assert foot_pitch_sign(toes_up_positive) == 1.0
    assert foot_pitch_sign(-toes_up_positive) == -1.0
