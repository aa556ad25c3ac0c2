"""Fidelity metrics against numbers worked by hand (in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.metrics import fidelity as F


def test_initial_contacts_are_rising_edges():
    # contact: 1 1 0 0 1 1 0 1 -> rising edges at 4 and 7; sample 0 is not an observed touch-down
    c = np.array([1, 1, 0, 0, 1, 1, 0, 1], dtype=bool)
    np.testing.assert_array_equal(F.initial_contact_indices(c), [4, 7])


def test_stance_mask_fills_touch_down_bounces_and_drops_toe_brushes():
    # dt 0.02 s; shortest swing and stance 0.1 s = 5 samples (a run of n lasts n·dt)
    #            0 1 2 3 4 5 6 7 8 9 ...
    c = np.array("1 1 0 0 1 1 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 1 1 1 1 1 1 0 0".split(), int).astype(bool)
    # gap 2..3 (2 samples, 0.04 s) between contacts: a bounce, stance; gap 7..13 (7, 0.14 s) and
    # 15..20 (6, 0.12 s) stay swings; the contact at 14 (1 sample, 0.02 s) between them is a toe brush;
    # the last gap (27..28) reaches the end and is kept
    want = np.array("1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 1 1 1 1 0 0".split(), int).astype(bool)
    np.testing.assert_array_equal(F.stance_mask(c, 0.02), want)
    np.testing.assert_array_equal(F.initial_contact_indices(F.stance_mask(c, 0.02)), [21])  # raw: 4, 14, 21
    # a run of exactly 0.1 s is kept (5 samples of 0.02 s): gap 1..5 is a swing, contact 6..10 a stance
    c2 = np.array("1 0 0 0 0 0 1 1 1 1 1 0 0 0 0 0 0 1".split(), int).astype(bool)
    np.testing.assert_array_equal(F.stance_mask(c2, 0.02), c2)
    # [T, F]: per foot; the input is not changed
    both = np.stack([c, c[::-1]], axis=1)
    out = F.stance_mask(both, 0.02)
    np.testing.assert_array_equal(out[:, 0], want)
    np.testing.assert_array_equal(out[:, 1], F.stance_mask(c[::-1], 0.02))
    assert both[2, 0] == 0
    assert F.true_runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    with pytest.raises(ValueError):
        F.stance_mask(c, 0.0)


def test_phase_wraps_and_the_circular_mean_phase():
    np.testing.assert_array_equal(F.phase_wrap_indices(np.array([0.8, 0.9, 0.0, 0.1, 0.95, 0.02])), [2, 5])
    assert F.phase_wrap_indices(np.array([0.1, 0.2])).size == 0
    assert F.circular_mean_phase(np.array([0.95, 0.05])) == pytest.approx(0.0, abs=1e-12)  # not 0.5
    assert F.circular_mean_phase(np.array([0.9, 0.9, 0.9])) == pytest.approx(-0.1)
    assert F.circular_mean_phase(np.array([0.2])) == pytest.approx(0.2)
    assert F.circular_mean_phase(np.array([0.5])) == pytest.approx(-0.5)  # [-0.5, 0.5)
    assert np.isnan(F.circular_mean_phase(np.array([0.25, 0.75])))  # opposite: no mean
    assert np.isnan(F.circular_mean_phase(np.array([])))


def test_stride_normalise_linear_ramp():
    # samples 2..6 of t*10 = 20,30,40,50,60 -> 3 points at 0, 50, 100 % = 20, 40, 60
    x = np.arange(10) * 10.0
    np.testing.assert_allclose(F.stride_normalise(x, 2, 6, n_points=3), [20.0, 40.0, 60.0])
    # 2-D signal keeps its trailing shape
    x2 = np.stack([x, -x], axis=1)
    np.testing.assert_allclose(F.stride_normalise(x2, 2, 6, n_points=3), [[20, -20], [40, -40], [60, -60]])
    with pytest.raises(ValueError):
        F.stride_normalise(x, 5, 5)


def test_stride_curves_counts_strides():
    x = np.arange(20.0)
    curves = F.stride_curves(x, np.array([0, 5, 15]), n_points=3)
    # strides 0..5 -> 0, 2.5, 5 and 5..15 -> 5, 10, 15
    np.testing.assert_allclose(curves, [[0, 2.5, 5], [5, 10, 15]])
    assert F.stride_curves(x, np.array([3]), n_points=3).shape == (0, 3)


def test_rmse_deg_and_pearson():
    # difference 0.1 rad everywhere -> RMSE 0.1 rad = 5.7296 deg
    ref = np.sin(np.linspace(0, 2 * np.pi, 101))
    assert F.rmse_deg(ref + 0.1, ref) == pytest.approx(np.rad2deg(0.1))
    # a = [1,2,3], b = [2,4,7]: da = [-1,0,1], db = [-2.333,-0.333,2.667]; num = 5,
    # |da| = sqrt2, |db| = sqrt(5.444+0.111+7.111) = sqrt(12.667) -> r = 5 / sqrt(25.333) = 0.99340
    assert F.pearson_r(np.array([1.0, 2, 3]), np.array([2.0, 4, 7])) == pytest.approx(0.99340, abs=1e-5)
    assert np.isnan(F.pearson_r(np.ones(5), np.arange(5.0)))
    # column-wise on [N, J]
    r = F.pearson_r(np.stack([ref, ref], 1), np.stack([ref, -ref], 1))
    np.testing.assert_allclose(r, [1.0, -1.0])


def test_endpoint_error_cm():
    # offsets (3,4) cm and (0,0): distances 5 cm and 0 -> mean 2.5 cm
    sim = np.array([[0.03, 0.04], [0.0, 0.0]])
    assert F.endpoint_error_cm(sim, np.zeros((2, 2))) == pytest.approx(2.5)


def test_dtw_distance_hand_example():
    # x = [0, 1, 2], y = [0, 2]: cost matrix |x_i - y_j| = [[0,2],[1,1],[2,0]]
    # acc: row0: 0, 2 ; row1: 1, min(2,1,0)+1 = 1 ; row2: 3, min(1,3,1)+0 = 1 -> DTW = 1
    assert F.dtw_distance(np.array([0.0, 1, 2]), np.array([0.0, 2])) == pytest.approx(1.0)
    # a time-shifted copy has DTW << sum of |differences|
    t = np.linspace(0, 1, 101)
    a, b = np.sin(2 * np.pi * t), np.sin(2 * np.pi * (t - 0.05))
    assert F.dtw_distance(a, b) < 0.3 * np.sum(np.abs(a - b))
    assert F.dtw_distance(a, a) == 0.0


def test_spatiotemporal():
    assert F.cadence_steps_per_min(1.2) == pytest.approx(100.0)  # 120 / 1.2
    # contacts at 0 and 10; in contact for samples 0..5 (6 of 10) -> 60 %
    c = np.zeros(11, dtype=bool)
    c[0:6] = True
    assert F.stance_pct(c, np.array([0, 10])) == pytest.approx(60.0)
    assert np.isnan(F.stance_pct(c, np.array([0])))
    # SI(66, 60) = 100 * 6 / 63 = 9.5238 %
    assert F.symmetry_index_pct(66.0, 60.0) == pytest.approx(9.5238, abs=1e-4)
    assert F.symmetry_index_pct(60.0, 60.0) == 0.0
    assert F.symmetry_index_pct(60.0, 40.0) == pytest.approx(40.0)  # (60 - 40) / 50
    assert F.symmetry_index_pct(40.0, 60.0) == pytest.approx(-40.0)
    # undefined, not "perfectly symmetric": two zeros, cancelling signs, a missing side
    for right, left in ((0.0, 0.0), (0.5, -0.5), (np.nan, 1.0), (1.0, np.inf)):
        assert np.isnan(F.symmetry_index_pct(right, left))
    assert F.fall_rate(np.array([True, False, False, False])) == 0.25
    assert F.relative_error_pct(1.1, 1.0) == pytest.approx(10.0)
    assert np.isnan(F.relative_error_pct(1.0, 0.0))


def test_curve_fidelity_keys_and_values():
    names = ("hip_r", "knee_r")
    t = np.linspace(0, 1, 101)
    ref = np.stack([0.3 * np.sin(2 * np.pi * t), 0.5 * (1 - np.cos(2 * np.pi * t))], axis=1)
    out = F.curve_fidelity(ref + np.deg2rad(2.0), ref, names)
    assert out["rmse_deg_hip_r"] == pytest.approx(2.0)
    assert out["rmse_deg_mean"] == pytest.approx(2.0)
    assert out["pearson_r_knee_r"] == pytest.approx(1.0)
    assert out["dtw_deg_hip_r"] <= 2.0 + 1e-9  # alignment can only reduce a constant offset's cost
    with pytest.raises(ValueError):
        F.curve_fidelity(ref[:, :1], ref, names)


def test_uncertainty_weights_by_hand():
    """1 / (1 + (σ/5)²): measured (σ = 0) → 1, σ = 5° → 1/2, σ = 10° → 1/5."""
    from rl_gait.metrics.fidelity import uncertainty_weights

    np.testing.assert_allclose(uncertainty_weights(np.array([0.0, 5.0, 10.0])), [1.0, 0.5, 0.2])


def test_curve_fidelity_weights_estimated_joints():
    """Two joints, RMSE 2° (measured, weight 1) and 8° (estimated, weight 0.2): weighted mean (2 + 1.6) / 1.2 = 3°;
    without weights the plain mean 5°."""
    from rl_gait.metrics.fidelity import curve_fidelity

    ref = np.zeros((101, 2))
    sim = np.stack([np.full(101, np.radians(2.0)), np.full(101, np.radians(8.0))], axis=1)
    assert curve_fidelity(sim, ref, ("hip_r", "knee_r"))["rmse_deg_mean"] == pytest.approx(5.0)
    assert curve_fidelity(sim, ref, ("hip_r", "knee_r"), joint_weights=np.array([1.0, 0.2]))["rmse_deg_mean"] == \
        pytest.approx(3.0)
