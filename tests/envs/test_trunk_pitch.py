"""The trunk pitch at which a reference is kinematically consistent (rl_gait.envs.trunk_pitch), by hand and in the env."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.envs.trunk_pitch import consistent_trunk_pitch_rad, lowest_point_heights_m, near_initial_contacts
from rl_gait.envs.walk import WalkEnv
from rl_gait.reference import healthy_reference
from rl_gait.tasks import Task


def test_lowest_point_height_by_hand():
    # one foot with two points (x, z): (0.1, -0.9) and (-0.1, -0.85); pitch 30°:
    # z' = -x sin p + z cos p -> -0.05 - 0.77942 = -0.82942 and 0.05 - 0.73612 = -0.68612
    pts = np.array([[[[0.1, -0.9], [-0.1, -0.85]], [[0.0, -1.0], [0.0, -1.0]]]])  # [P=1, 2, K=2, 2]
    h = lowest_point_heights_m(pts, np.radians(30.0))
    np.testing.assert_allclose(h, [[-0.829423, -0.866025]], atol=1e-6)
    assert lowest_point_heights_m(pts, np.radians([0.0, 30.0])).shape == (2, 1, 2)


def test_consistent_pitch_of_two_straight_legs_is_their_mean_angle():
    # legs of 0.9 m at +30° (forward) and -10° from vertical: equally low once both turn back by 10°
    leg, a_r, a_l = 0.9, np.radians(30.0), np.radians(-10.0)
    pts = np.array([[[[leg * np.sin(a_r), -leg * np.cos(a_r)]], [[leg * np.sin(a_l), -leg * np.cos(a_l)]]]])
    assert np.degrees(consistent_trunk_pitch_rad(pts, np.array([True]))) == pytest.approx(10.0, abs=0.06)


def test_near_initial_contacts_wraps_the_cycle():
    phase = np.array([0.0, 0.015, 0.03, 0.49, 0.55, 0.99])
    np.testing.assert_array_equal(near_initial_contacts(phase, 0.5), [True, True, False, True, False, True])


def test_env_trunk_pitch_reference_vs_upright():
    """The healthy atlas reference (optical hips, against a forward-tilted pelvis) wants the trunk ~14°
    forward; the env starts there and pays the full upright reward there; "upright" keeps pitch 0."""
    ref = healthy_reference(Task())
    env = WalkEnv(reference=ref, trunk_pitch="reference", swing_clearance_m=None)
    pitch = env.ref.trunk_pitch_rad
    assert 10.0 <= np.degrees(pitch) <= 18.0
    env.reset(seed=0)
    assert env.data.qpos[env.layout.root_qpos[2]] == pytest.approx(pitch)
    upright = WalkEnv(reference=ref, swing_clearance_m=None)
    assert upright.ref.trunk_pitch_rad == 0.0
    np.testing.assert_allclose(env.ref.feet, upright.ref.feet)  # pelvis-frame features do not depend on it
    # at the reference's right heel strike (phase 0) upright leaves the right heel > 10 cm above the left foot
    gap = {p: np.diff(lowest_point_heights_m(env.ref.contact_points_xz_m[:1], p)[0])[0] for p in (0.0, pitch)}
    assert abs(gap[0.0]) > 0.10 and abs(gap[pitch]) < 0.03
    with pytest.raises(ValueError, match="trunk_pitch"):
        WalkEnv(reference=ref, trunk_pitch="forward")
