"""The personalized planar body: scaling, symmetry, PD law, standing and reference tracking."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from rl_gait.body import BodyParams, PDParams, anthropometry, pd_torque_nm
from rl_gait.body.planar import FRAME_SKIP, apply_pd, body_layout, build_planar_spec
from rl_gait.joints import JOINT_NAMES
from rl_gait.tasks import Task
from rl_gait.terrain import TerrainLayout, add_terrain, apply_task


def _model(body: BodyParams, pd: PDParams | None = None) -> mujoco.MjModel:
    spec = build_planar_spec(body, pd)
    add_terrain(spec)
    model = spec.compile()
    apply_task(model, Task(), TerrainLayout())
    return model


@pytest.mark.parametrize("height_m,mass_kg", [(1.55, 52.0), (1.70, 70.0), (1.88, 95.0)])
def test_total_mass_equals_mass_kg(height_m, mass_kg):
    model = _model(BodyParams(height_m=height_m, mass_kg=mass_kg))
    assert model.body_subtreemass[0] == pytest.approx(mass_kg, rel=1e-9)


def test_leg_length_scales_with_height():
    # Winter 2009: thigh 0.245 H + shank 0.246 H + ankle height 0.039 H = 0.530 H
    for h in (1.5, 1.7, 1.9):
        assert anthropometry(h, 70.0).leg_length_m == pytest.approx(0.530 * h)
    heights = []
    for h in (1.5, 1.9):
        model = _model(BodyParams(height_m=h))
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        lay = body_layout(model, BodyParams(height_m=h))
        sole = data.geom_xpos[lay.contact_geoms][..., 2].min() - model.geom_size[lay.contact_geoms[0, 0], 0]
        heights.append(-sole)  # hip joint (pelvis origin at z = 0) to the sole, standing straight
    assert heights[0] == pytest.approx(0.530 * 1.5, abs=1e-6)
    assert heights[1] / heights[0] == pytest.approx(1.9 / 1.5, rel=1e-6)


def test_body_is_left_right_symmetric():
    body = BodyParams()
    model = _model(body)
    for seg in ("thigh", "shank", "foot"):
        r, lft = model.body(f"{seg}_r"), model.body(f"{seg}_l")
        assert r.mass[0] == lft.mass[0]
        np.testing.assert_array_equal(r.inertia, lft.inertia)
        np.testing.assert_array_equal(r.ipos, lft.ipos)
        assert r.pos[1] == -lft.pos[1] or seg != "thigh"
    for part in ("heel", "toe"):
        g_r, g_l = model.geom(f"{part}_r"), model.geom(f"{part}_l")
        np.testing.assert_array_equal(g_r.friction, g_l.friction)
        np.testing.assert_array_equal(g_r.size, g_l.size)
        np.testing.assert_array_equal(g_r.pos, g_l.pos)
    lay = body_layout(model, body)
    np.testing.assert_array_equal(lay.joint_range_rad[:3], lay.joint_range_rad[3:])
    np.testing.assert_array_equal(model.actuator_gainprm[lay.actuators[:3]], model.actuator_gainprm[lay.actuators[3:]])


def test_pd_torque_hand_computed():
    # kp 100, kd 10: 100·(0.3 − 0.1) − 10·1.0 = 10 N·m; second joint clipped at 15 N·m: 100·0.5 = 50 → 15
    tau = pd_torque_nm(np.array([0.3, 0.5]), np.array([0.1, 0.0]), np.array([1.0, 0.0]),
                       np.array([100.0, 100.0]), np.array([10.0, 10.0]), np.array([50.0, 15.0]))
    np.testing.assert_allclose(tau, [10.0, 15.0])


def test_actuators_apply_the_pd_law_per_side():
    body = BodyParams()
    pd = PDParams.default_for(body).scaled("l", kp=0.5, kd=0.5, torque=0.4)
    model = _model(body)
    apply_pd(model, body_layout(model, body), pd)
    data = mujoco.MjData(model)
    lay = body_layout(model, body)
    rng = np.random.default_rng(0)
    data.qpos[lay.root_qpos] = (0, 2.0, 0)  # in the air: no contacts
    data.qpos[lay.joint_qpos] = rng.uniform(-0.3, 0.3, 6) + np.array([0.3, 0.6, 0, 0.3, 0.6, 0])
    data.qvel[lay.joint_qvel] = rng.uniform(-2, 2, 6)
    data.ctrl[lay.actuators] = rng.uniform(-0.2, 0.8, 6)
    mujoco.mj_forward(model, data)
    expected = pd_torque_nm(data.ctrl[lay.actuators], data.qpos[lay.joint_qpos], data.qvel[lay.joint_qvel],
                            np.array(pd.kp_nm_per_rad), np.array(pd.kd_nms_per_rad), np.array(pd.torque_limit_nm))
    np.testing.assert_allclose(data.actuator_force[lay.actuators], expected, rtol=1e-9, atol=1e-9)
    assert pd.kp_nm_per_rad[3] == pytest.approx(0.5 * pd.kp_nm_per_rad[0])
    assert pd.torque_limit_nm[5] == pytest.approx(0.4 * pd.torque_limit_nm[2])


def test_standing_pose_does_not_fall_for_5_s():
    body = BodyParams()
    model = _model(body)
    lay = body_layout(model, body)
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    r = model.geom_size[lay.contact_geoms[0, 0], 0]
    data.qpos[lay.root_qpos[1]] = -(data.geom_xpos[lay.contact_geoms][..., 2].min() - r) + 0.001
    data.ctrl[:] = 0.0  # standing pose: neutral joints
    mujoco.mj_step(model, data, nstep=int(5.0 / model.opt.timestep))
    assert data.qpos[lay.root_qpos[1]] > 0.95 * anthropometry(body.height_m, body.mass_kg).leg_length_m
    assert abs(data.qpos[lay.root_qpos[2]]) < np.deg2rad(5)


def test_replayed_reference_is_tracked_by_the_pd_controller(healthy_ref):
    """Pelvis held in the air (a gait harness): the PD body follows the reference joint targets.

    Targets are the ones the demonstrations use: ``q_ref + (kd/kp)·q̇_ref`` (cancels the damping drag).
    Stated tolerance: RMSE over the second cycle ≤ 5° per joint."""
    body = BodyParams()
    model = _model(body)
    lay = body_layout(model, body)
    data = mujoco.MjData(model)
    dt = model.opt.timestep * FRAME_SKIP
    n = int(round(2 * healthy_ref.cycle_duration_s / dt))
    errors = []
    for k in range(n):
        phase = (k + 1) * dt / healthy_ref.cycle_duration_s
        cols = [healthy_ref.column(j) for j in JOINT_NAMES]
        q_ref = healthy_ref.angles_at(phase)[cols]
        qd_ref = healthy_ref.velocities_at(phase)[cols]
        data.ctrl[lay.actuators] = q_ref + 0.1 * qd_ref  # kd/kp = 0.1 s for the default gains
        for _ in range(FRAME_SKIP):
            data.qpos[lay.root_qpos] = (0.0, 1.5, 0.0)
            data.qvel[lay.root_qvel] = 0.0
            mujoco.mj_step(model, data)
        if k >= n // 2:
            errors.append(data.qpos[lay.joint_qpos] - q_ref)
    rmse_deg = np.rad2deg(np.sqrt(np.mean(np.square(errors), axis=0)))
    assert (rmse_deg < 5.0).all(), dict(zip(JOINT_NAMES, rmse_deg.round(2), strict=True))


def test_a_checkpoint_sidecar_gives_back_its_body_and_pd():
    from rl_gait.learner.checkpoint import env_config_from_sidecar

    body = BodyParams(height_m=1.62, mass_kg=58.0)
    pd = PDParams.default_for(body).scaled("l", kp=0.6, torque=0.5)
    got = env_config_from_sidecar({"env_kwargs": {"body": body.to_dict(), "pd": pd.to_dict()}})
    assert (got.body, got.pd_params) == (body, pd)
    # without a recorded PD: the body's default; without anything: the default body
    assert env_config_from_sidecar({"env_kwargs": {"body": body.to_dict()}}).pd_params == PDParams.default_for(body)
    got = env_config_from_sidecar({})
    assert (got.body, got.pd_params) == (BodyParams(), PDParams.default_for(BodyParams()))
