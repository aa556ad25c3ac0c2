"""Stair references fitted to the treads of the body (rl_gait.envs.stair_fit), by hand and in the env."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.envs.stair_fit import (
    SOFT_MIN_M,
    corrections_on_grid,
    fit_stair_corrections,
    fourier_basis,
    fourier_basis_rate,
    mean_square_weights,
    placement_residuals_m,
)
from rl_gait.envs.trunk_pitch import consistent_trunk_pitch_rad, lowest_point_heights_m
from rl_gait.envs.walk import PHASE_TABLE_SIZE, WalkEnv
from rl_gait.reference import healthy_reference
from rl_gait.tasks import Task


def test_fourier_basis_by_hand():
    b = fourier_basis(np.array([0.0, 0.25]), n_harmonics=2)  # 1, cos 2πφ, cos 4πφ, sin 2πφ, sin 4πφ
    np.testing.assert_allclose(b, [[1, 1, 1, 0, 0], [1, 0, -1, 1, 0]], atol=1e-12)
    # d/dφ at 0.25: 0, -2π sin(π/2), -4π sin(π), 2π cos(π/2), 4π cos(π) = 0, -2π, 0, 0, -4π
    np.testing.assert_allclose(fourier_basis_rate(np.array([0.25]), 2), [[0, -2 * np.pi, 0, 0, -4 * np.pi]], atol=1e-12)


def test_mean_square_weights_are_parseval():
    c = np.array([0.3, -0.2, 0.5, 0.1, -0.4])
    phase = np.arange(1000) / 1000
    assert np.mean((fourier_basis(phase, 2) @ c) ** 2) == pytest.approx(np.sum(mean_square_weights(2) * c**2))


def test_placement_residuals_by_hand():
    # leading foot flat at z = -0.70 (heel x 0.20, toe x 0.35); trailing foot on its toe (x 0.05, z -0.87), heel up
    pts = np.array([[[0.20, -0.70], [0.35, -0.70]], [[-0.10, -0.80], [0.05, -0.87]]])
    r = placement_residuals_m(pts, 0.0, depth_m=0.30, rise_m=0.17)
    # toe dx: 0.35 - 0.05 - 0.30 = 0; dz: (-0.70 - SOFT_MIN_M ln 2) - (-0.87) - 0.17 = -SOFT_MIN_M ln 2 (flat foot)
    np.testing.assert_allclose(r, [0.0, -SOFT_MIN_M * np.log(2.0)], atol=1e-6)
    # pitched 10° forward: x' = x cos p + z sin p, z' = -x sin p + z cos p
    p = np.radians(10.0)
    toe_dx = (0.35 - 0.05) * np.cos(p) + (-0.70 + 0.87) * np.sin(p)
    assert placement_residuals_m(pts, p, 0.30, 0.17)[0] == pytest.approx(toe_dx - 0.30, abs=1e-9)


def two_link_points(q: np.ndarray) -> np.ndarray:
    """Toy planar legs (thigh 0.42 m, shank 0.42 m, a foot 0.05 m back / 0.15 m forward of the ankle, 0.07 m
    below it): ``[2 feet, heel/toe, (x, z)]`` for ``q = (hip, knee, ankle) × (r, l)``, flexion positive."""
    out = []
    for hip, knee, ankle in q.reshape(2, 3):
        thigh, shank = hip, hip - knee
        ax, az = 0.42 * np.sin(thigh) + 0.42 * np.sin(shank), -0.42 * np.cos(thigh) - 0.42 * np.cos(shank)
        foot = shank + ankle  # foot's angle: 0 flat when the shank is vertical and the ankle neutral
        c, s = np.cos(foot), np.sin(foot)
        out.append([[ax - 0.05 * c + 0.07 * s, az - 0.05 * s - 0.07 * c],
                    [ax + 0.15 * c + 0.07 * s, az + 0.15 * s - 0.07 * c]])
    return np.asarray(out)


def toy_gait(n: int = 200, amp_hip: float = 0.5) -> np.ndarray:
    phase = np.arange(n) / n
    hip = amp_hip * np.cos(2 * np.pi * phase)
    knee = 0.3 + 0.3 * np.sin(2 * np.pi * phase)
    q_r = np.stack([hip, knee, np.zeros(n)], axis=1)
    q_l = np.roll(q_r, n // 2, axis=0)  # left half a cycle later
    return np.concatenate([q_r, q_l], axis=1)


@pytest.mark.parametrize("rise", [0.17, -0.12])
def test_fit_places_the_feet_and_the_correction_is_smooth(rise):
    q = toy_gait()
    coef, res = fit_stair_corrections(two_link_points, q, np.radians([8, 8, 6, 8, 8, 6]), 0.5, 0.0,
                                      np.array([[0.30, rise]] * 2))
    assert np.max(np.abs(res)) < 1e-4
    phase = np.arange(q.shape[0]) / q.shape[0]
    dq, dqd = corrections_on_grid(coef, phase, 0.5, cycle_duration_s=1.2)
    for i, lead in ((0, slice(None)), (100, slice(None, None, -1))):  # right IC, left IC
        r = placement_residuals_m(two_link_points(q[i] + dq[i])[lead], 0.0, 0.30, rise)
        np.testing.assert_allclose(r, 0.0, atol=1e-4)
    # the rate table is the phase derivative of the correction over the cycle time
    num = (np.roll(dq, -1, axis=0) - np.roll(dq, 1, axis=0)) / (2 / q.shape[0]) / 1.2
    np.testing.assert_allclose(dqd, num, atol=2e-3 * np.abs(dqd).max())


def test_fit_places_a_step_to_cycle_lead_on_the_next_tread_trail_beside_it():
    q = toy_gait()
    placements = np.array([[0.30, 0.17], [0.0, 0.0]])  # right leads one tread up, left lands beside it
    coef, res = fit_stair_corrections(two_link_points, q, np.radians([8, 8, 6, 8, 8, 6]), 0.5, 0.0, placements)
    assert np.max(np.abs(res)) < 2e-3  # a larger change than step-over-step's: the iterations leave ~1 mm here
    dq, _ = corrections_on_grid(coef, np.arange(q.shape[0]) / q.shape[0], 0.5, cycle_duration_s=1.2)
    np.testing.assert_allclose(placement_residuals_m(two_link_points(q[0] + dq[0]), 0.0, 0.30, 0.17), 0.0, atol=2e-3)
    np.testing.assert_allclose(placement_residuals_m(two_link_points(q[100] + dq[100])[::-1], 0.0, 0.0, 0.0), 0.0,
                               atol=2e-3)


def test_fit_changes_nothing_where_the_feet_already_fit():
    q = toy_gait()
    pts = two_link_points(q[0])
    depth = pts[0, 1, 0] - pts[1, 1, 0]
    rise = float(placement_residuals_m(pts, 0.0, depth, 0.0)[1])  # the toy's own toe spread and height difference
    # the same at the left contact by the toy's symmetry: nothing to correct
    coef, res = fit_stair_corrections(two_link_points, q, np.radians([8] * 6), 0.5, 0.0, np.array([[depth, rise]] * 2))
    np.testing.assert_allclose(coef, 0.0, atol=1e-9)
    assert np.max(np.abs(res)) < 1e-9


def test_fit_moves_the_joints_with_the_larger_sd_more():
    q = toy_gait()
    small_knee = fit_stair_corrections(two_link_points, q, np.radians([8, 2, 6, 8, 2, 6]), 0.5, 0.0,
                                      np.array([[0.30, 0.17]] * 2))[0]
    large_knee = fit_stair_corrections(two_link_points, q, np.radians([8, 20, 6, 8, 20, 6]), 0.5, 0.0,
                                      np.array([[0.30, 0.17]] * 2))[0]
    w = mean_square_weights()[None, :, None]
    rms = lambda c: np.sqrt(np.sum(w * c**2, axis=1))  # noqa: E731  [side, joint] cycle RMS
    assert rms(large_knee)[:, 1].sum() > 2 * rms(small_knee)[:, 1].sum()


def test_consistent_pitch_with_a_riser():
    # straight legs of 0.9 m at +30° and -10°: the pitch that puts the right (leading) foot 0.1 m above the left
    leg, a_r, a_l = 0.9, np.radians(30.0), np.radians(-10.0)
    pts = np.array([[[[leg * np.sin(a_r), -leg * np.cos(a_r)]], [[leg * np.sin(a_l), -leg * np.cos(a_l)]]]])
    p = consistent_trunk_pitch_rad(pts, np.array([True]), 0.1)
    h = lowest_point_heights_m(pts, p)[0]
    assert h[0] - h[1] == pytest.approx(0.1, abs=1e-3)  # the grid is 0.1°: ~1 mm of height here


@pytest.mark.parametrize("task", [Task("stairs", step_height_m=0.08), Task("stairs", step_height_m=0.17),
                                  Task("stairs", step_height_m=0.12, ascending=False)], ids=lambda t: t.name)
def test_env_stair_tables_put_the_feet_on_the_treads(task):
    """On the healthy atlas reference the feet are 46–60 cm apart at initial contact, treads are 30 cm
    (docs/atlas_training.md); with ``stair_fit=True`` in the env's tables they are one tread apart and one riser up/down, and the
    steps the kinematics imply are about a tread long (the no-slip speed fits the task's)."""
    ref = healthy_reference(task)
    env = WalkEnv(task=task, reference=ref, stair_fit=True)
    t = env.ref
    assert np.max(np.abs(t.stair_fit_residuals_m)) < 1e-4
    i_l = int(round(ref.left_contact_phase * PHASE_TABLE_SIZE))
    for i, lead in ((0, slice(None)), (i_l, slice(None, None, -1))):
        np.testing.assert_allclose(placement_residuals_m(t.contact_points_xz_m[i][lead], 0.0, 0.30,
                                                         task.signed_rise), 0.0, atol=1e-4)
    assert 0.27 < t.step_length_m < 0.40
    assert t.natural_speed_m_s == pytest.approx(ref.speed_m_s, rel=0.25)
    # a smooth change of the hips mostly, within a few SD
    cols = [ref.column(n) for n in ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")]
    dq = np.degrees(t.q - ref.angles_at(np.arange(PHASE_TABLE_SIZE) / PHASE_TABLE_SIZE)[:, cols])
    assert np.abs(dq).max() < 25.0


@pytest.mark.parametrize("task, stair_fit", [(Task(), True), (Task("stairs", step_height_m=0.12), False)],
                         ids=["level", "stairs_without_fit"])
def test_env_tables_are_the_reference_off_the_stairs_or_without_the_fit(task, stair_fit):
    ref = healthy_reference(task)
    env = WalkEnv(task=task, reference=ref, stair_fit=stair_fit, swing_clearance_m=None)
    assert env.ref.stair_fit_residuals_m is None
    cols = [ref.column(n) for n in ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")]
    np.testing.assert_array_equal(env.ref.q, ref.angles_at(np.arange(PHASE_TABLE_SIZE) / PHASE_TABLE_SIZE)[:, cols])
