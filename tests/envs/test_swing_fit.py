"""Level references fitted so that the swing foot clears the ground (rl_gait.envs.swing_fit), by hand and in the env."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.envs.stair_fit import SOFT_MIN_M, corrections_on_grid, soft_lowest_z_m
from rl_gait.envs.swing_fit import N_HARMONICS, fit_swing_clearance, swing_samples
from rl_gait.envs.trunk_pitch import lowest_point_heights_m
from rl_gait.envs.walk import ReferenceTables, WalkEnv
from rl_gait.reference import healthy_reference
from rl_gait.tasks import Task
from tests.envs.test_stair_fit import toy_gait, two_link_points

STANCE = (0.6, 0.6)


def test_swing_samples_by_hand():
    # swing 0.6 → 1.0; window 0.2–0.8 of it split in 4: 0.275, 0.425, 0.575, 0.725 of the swing
    np.testing.assert_allclose(swing_samples(0.6, 4, (0.2, 0.8)), [0.71, 0.77, 0.83, 0.89], atol=1e-12)


def test_soft_lowest_point_by_hand():
    # right foot flat at z = -0.80 (smooth min: SOFT_MIN_M ln 2 below), left on its heel at -0.85, toe 5 cm higher;
    # any number of points per foot (the 3D body has four)
    pts = np.array([[[0.0, -0.80], [0.15, -0.80]], [[-0.1, -0.85], [0.05, -0.80]]])
    np.testing.assert_allclose(soft_lowest_z_m(pts, 0.0), [-0.80 - SOFT_MIN_M * np.log(2.0), -0.85], atol=1e-9)
    p = np.radians(10.0)  # pitched forward: z' = -x sin p + z cos p; right: the toe (x 0.15) is lower
    assert soft_lowest_z_m(pts, p)[0] == pytest.approx(-0.15 * np.sin(p) - 0.80 * np.cos(p), abs=1e-6)
    four = np.array([[[0.0, -0.80], [0.15, -0.70], [0.0, -0.75], [0.1, -0.90]]] * 2)  # lowest: the 4th, by 10 cm
    np.testing.assert_allclose(soft_lowest_z_m(four, 0.0), -0.90, atol=1e-9)


def _toy_q_at(q_table: np.ndarray):
    n = q_table.shape[0]
    return lambda ph: q_table[np.round(np.asarray(ph) * n).astype(int) % n]


def _clearance_on_grid(q: np.ndarray) -> np.ndarray:
    """``[P, 2]`` each foot's lowest point above the other's (m) on the toy's phase grid."""
    low = np.array([soft_lowest_z_m(two_link_points(qk), 0.0) for qk in q])
    return low - low[:, ::-1]


def test_fit_lifts_the_toy_swing_feet_and_keeps_the_contacts():
    q = toy_gait(n=200)
    n = q.shape[0]
    sd = np.radians([8, 8, 6, 8, 8, 6])
    coef, before, after = fit_swing_clearance(two_link_points, _toy_q_at(q), sd, STANCE, 0.5, 0.0, 0.03)
    assert coef.shape == (2, 2 * N_HARMONICS + 1, 3)
    assert before.min() < 0.03  # the toy drags its swing foot below 3 cm
    np.testing.assert_allclose(after, 0.03, atol=1e-4)  # at the samples: exactly the asked clearance where binding
    phase = np.arange(n) / n
    dq, _ = corrections_on_grid(coef, phase, 0.5, cycle_duration_s=1.0)
    fitted = _clearance_on_grid(q + dq)
    for k, shift in enumerate((0.0, 0.5)):
        own = (phase - shift) % 1.0
        rel = (own - STANCE[k]) / (1 - STANCE[k])
        first, last = (swing_samples(STANCE[k])[[0, -1]] - STANCE[k]) / (1 - STANCE[k])
        inside = (rel >= first) & (rel <= last)
        assert inside.sum() > 20
        assert fitted[inside, k].min() > 0.03 - 2e-3  # between the samples too, within 2 mm
    for i, lead in ((0, 0), (100, 1)):  # at both initial contacts the landing foot is placed as before
        before_pts, after_pts = two_link_points(q[i]), two_link_points(q[i] + dq[i])
        x0, x1 = before_pts[..., 0].mean(axis=1), after_pts[..., 0].mean(axis=1)  # each foot's mean x
        assert x1[lead] - x1[1 - lead] == pytest.approx(x0[lead] - x0[1 - lead], abs=1e-5)
        low0, low1 = soft_lowest_z_m(before_pts, 0.0), soft_lowest_z_m(after_pts, 0.0)
        assert low1[lead] - low1[1 - lead] == pytest.approx(low0[lead] - low0[1 - lead], abs=1e-5)


def test_fit_changes_nothing_where_the_swing_foot_already_clears():
    q = toy_gait(n=200)
    coef, before, after = fit_swing_clearance(two_link_points, _toy_q_at(q), np.radians([8] * 6), STANCE, 0.5, 0.0,
                                              -1.0)
    np.testing.assert_allclose(coef, 0.0)
    np.testing.assert_allclose(before, after)


def _plain_and_fitted_tables(env_cls, tables_cls):
    """The healthy atlas level reference's tables without and with a 1.5-cm swing fit, and the fit's clearances."""
    ref = healthy_reference(Task())
    plain = env_cls(task=Task(), reference=ref, swing_clearance_m=None)
    fitted = env_cls(task=Task(), reference=ref, swing_clearance_m=0.015)
    t0, t1 = tables_cls(ref, plain.model, plain), tables_cls(ref, fitted.model, fitted)
    assert t0.swing_fit_clearances_m is None
    before, after = t1.swing_fit_clearances_m
    np.testing.assert_allclose(after, 0.015, atol=1e-4)
    assert t1.natural_speed_m_s == pytest.approx(t0.natural_speed_m_s)  # the speed the reference walks at is kept
    return ref, t0, t1, fitted, before


def test_env_tables_lift_the_atlas_swing_feet_and_keep_the_walking_speed():
    ref, t0, t1, fitted, before = _plain_and_fitted_tables(WalkEnv, ReferenceTables)
    assert before.min() < -0.02  # the atlas reference replayed upright puts a swing foot ~4 cm into the floor
    h = lowest_point_heights_m(t1.contact_points_xz_m, t1.trunk_pitch_rad)
    phase = np.arange(h.shape[0]) / h.shape[0]
    for k, shift in enumerate((0.0, ref.left_contact_phase)):
        rel = (((phase - shift) % 1.0) - ref.stance_fraction[k]) / (1 - ref.stance_fraction[k])
        mid = (rel > 0.25) & (rel < 0.75)
        assert (h[mid, k] - h[mid, 1 - k]).min() > 0.01
    assert t1.step_length_m == pytest.approx(t0.step_length_m)
    # off level ground the fit does nothing
    slope = Task("slope", grade_deg=5.0)
    sref = healthy_reference(slope)
    ts = ReferenceTables(sref, fitted.model, WalkEnv(task=slope, reference=sref, swing_clearance_m=0.015))
    assert ts.swing_fit_clearances_m is None


def test_3d_env_tables_lift_the_swing_feet_with_the_frontal_pose_kept():
    from rl_gait.envs.walk3d import Reference3DTables, Walk3DEnv

    _, t0, t1, _, before = _plain_and_fitted_tables(Walk3DEnv, Reference3DTables)
    assert before.min() < 0.0  # replayed with its frontal curves, the atlas swing foot still dips into the floor
    np.testing.assert_array_equal(t1.q[:, 6:], t0.q[:, 6:])  # frontal and lumbar joints untouched
    assert np.abs(t1.q[:, :6] - t0.q[:, :6]).max() > 0.0
