"""Frontal-plane kinematics from segment orientations: hand-computed rotations and the 3D body's own joints."""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest

from rl_gait.ingest.frontal import hip_adduction_rad, pelvic_obliquity_tilt_rad, quat_to_matrix, range_deg


def _quat(axis: tuple[float, float, float], angle_rad: float) -> np.ndarray:
    a = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    return np.concatenate([[math.cos(angle_rad / 2)], math.sin(angle_rad / 2) * a])


def _mul(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    out = np.zeros(4)
    mujoco.mju_mulQuat(out, q1, q2)
    return out


def test_quat_to_matrix_matches_mujoco():
    q = np.array([0.9, 0.1, -0.3, 0.2])
    expected = np.zeros(9)
    mujoco.mju_quat2Mat(expected, q / np.linalg.norm(q))
    np.testing.assert_allclose(quat_to_matrix(q), expected.reshape(3, 3), atol=1e-12)


def test_pelvic_obliquity_and_tilt_hand_computed_and_heading_free():
    # 6° left side up (about +x, the walking direction), then 10° anterior tilt (about +y)
    pelvis = _mul(_quat((1, 0, 0), math.radians(6)), _quat((0, 1, 0), math.radians(10)))
    obl, tilt = pelvic_obliquity_tilt_rad(quat_to_matrix(pelvis))
    # left axis of Rx(6°)·Ry(10°) = Rx(6°)·(0, 1, 0): z = sin 6°; forward axis z = −sin 10°·cos 6°
    assert math.degrees(obl) == pytest.approx(6.0)
    assert tilt == pytest.approx(math.asin(math.sin(math.radians(10)) * math.cos(math.radians(6))))
    turned = _mul(_quat((0, 0, 1), math.radians(70)), pelvis)  # the same pelvis, heading 70° to the left
    np.testing.assert_allclose(pelvic_obliquity_tilt_rad(quat_to_matrix(turned)), (obl, tilt), atol=1e-12)


def test_hip_adduction_is_the_3d_body_joint_angle():
    from rl_gait.body import BodyParams
    from rl_gait.body.body3d import body3d_layout, build_3d_spec
    from rl_gait.joints import JOINT_NAMES_3D

    body = BodyParams()
    model = build_3d_spec(body).compile()
    lay = body3d_layout(model, body)
    data = mujoco.MjData(model)
    data.qpos[lay.root_qpos[3:]] = _mul(_quat((0, 0, 1), 0.4), _quat((1, 0, 0), 0.1))  # turned and oblique pelvis
    values = {"hip_r": 0.5, "hip_adduction_r": 0.15, "hip_rotation_r": 0.3,
              "hip_l": -0.2, "hip_adduction_l": -0.25, "hip_rotation_l": -0.1}
    for name, v in values.items():
        data.qpos[lay.joint_qpos[JOINT_NAMES_3D.index(name)]] = v
    mujoco.mj_kinematics(model, data)
    pelvis = data.xmat[lay.pelvis_body].reshape(3, 3)
    for side in "rl":
        thigh = data.xmat[model.body(f"thigh_{side}").id].reshape(3, 3)
        assert hip_adduction_rad(pelvis, thigh, side) == pytest.approx(values[f"hip_adduction_{side}"], abs=1e-12)
    with pytest.raises(ValueError, match="side"):
        hip_adduction_rad(pelvis, pelvis, "x")


def test_range_deg():
    assert range_deg(np.radians([1.0, -2.0, 4.0])) == pytest.approx(6.0)
    assert math.isnan(range_deg(np.array([])))
