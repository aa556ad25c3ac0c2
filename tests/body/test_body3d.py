"""The 3D body: scaling, the pelvis/trunk split, left/right symmetry, joint signs, PD per joint and side."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from rl_gait.body import BodyParams, PDParams, anthropometry
from rl_gait.body.anthropometry import split_hat
from rl_gait.body.body3d import CONTACT_POINTS, body3d_layout, build_3d_spec
from rl_gait.body.planar import FRAME_SKIP, apply_pd
from rl_gait.joints import JOINT_NAMES, JOINT_NAMES_3D, mirror_name
from rl_gait.tasks import Task
from rl_gait.terrain import TerrainLayout, add_terrain, apply_task


def _model(body: BodyParams, pd: PDParams | None = None) -> mujoco.MjModel:
    spec = build_3d_spec(body, pd)
    add_terrain(spec)
    model = spec.compile()
    apply_task(model, Task(), TerrainLayout())
    return model


@pytest.mark.parametrize("height_m,mass_kg", [(1.55, 52.0), (1.70, 70.0), (1.88, 95.0)])
def test_compiles_and_total_mass_equals_mass_kg(height_m, mass_kg):
    body = BodyParams(height_m=height_m, mass_kg=mass_kg)
    model = _model(body)
    lay = body3d_layout(model, body)
    assert (model.nq, model.nv, model.nu) == (21, 20, 14)
    assert model.body_subtreemass[lay.pelvis_body] == pytest.approx(mass_kg, rel=1e-9)
    assert lay.contact_geoms.shape == (2, len(CONTACT_POINTS))


def test_pelvis_and_trunk_keep_the_hat_mass_com_and_inertia():
    # 70 kg, 1.70 m: Winter's HAT is 0.678 × 70 = 47.46 kg, CoM 0.626 × 0.288 × 1.70 = 0.3065 m above the hip
    # axis, sagittal inertia 47.46 × (0.496 × 0.4896)² = 2.7988 kg·m² about its CoM.
    a = anthropometry(1.70, 70.0)
    s = split_hat(a, 1.70)
    assert s.pelvis_mass_kg == pytest.approx(0.142 * 70.0)
    assert s.pelvis_mass_kg + s.trunk_mass_kg == pytest.approx(47.46)
    trunk_com = s.lumbar_height_m + s.trunk_com_above_lumbar_m
    com = (s.pelvis_mass_kg * s.pelvis_com_height_m + s.trunk_mass_kg * trunk_com) / 47.46
    assert com == pytest.approx(0.3065, abs=1e-4)
    inertia = (s.pelvis_inertia_kg_m2 + s.pelvis_mass_kg * (s.pelvis_com_height_m - com) ** 2
               + s.trunk_inertia_kg_m2 + s.trunk_mass_kg * (trunk_com - com) ** 2)
    assert inertia == pytest.approx(2.7988, abs=1e-3)
    # the compiled model, upright: the pelvis subtree's CoM without the legs is the HAT's
    body = BodyParams()
    model = _model(body)
    data = mujoco.MjData(model)
    data.qpos[3] = 1.0
    mujoco.mj_kinematics(model, data)
    mujoco.mj_comPos(model, data)
    trunk = model.body("trunk").id
    m_t, m_p = model.body_mass[trunk], model.body_mass[model.body("pelvis").id]
    c = (m_t * data.xipos[trunk, 2] + m_p * data.xipos[model.body("pelvis").id, 2]) / (m_t + m_p)
    assert c == pytest.approx(0.3065, abs=1e-4)


def test_body_is_left_right_symmetric():
    body = BodyParams()
    model = _model(body)
    for seg in ("thigh", "shank", "foot"):
        r, lft = model.body(f"{seg}_r"), model.body(f"{seg}_l")
        assert r.mass[0] == lft.mass[0]
        np.testing.assert_array_equal(r.inertia, lft.inertia)
        np.testing.assert_array_equal(r.ipos * (1, -1, 1), lft.ipos)
        np.testing.assert_array_equal(r.pos * (1, -1, 1), lft.pos)
    for point in CONTACT_POINTS:
        g_r, g_l = model.geom(f"{point}_r"), model.geom(f"{point}_l")
        np.testing.assert_array_equal(g_r.friction, g_l.friction)
        np.testing.assert_array_equal(g_r.size, g_l.size)
        np.testing.assert_array_equal(g_r.pos * (1, -1, 1), g_l.pos)
    for name in JOINT_NAMES_3D:
        j, m = model.joint(name), model.joint(mirror_name(name))
        np.testing.assert_array_equal(j.range, m.range)
        a_j, a_m = model.actuator(name), model.actuator(mirror_name(name))
        np.testing.assert_array_equal(a_j.gainprm[:3], a_m.gainprm[:3])
        np.testing.assert_array_equal(a_j.forcerange, a_m.forcerange)
    # mirrored poses are mirror images: every joint of both sides at the same clinical angle
    data = mujoco.MjData(model)
    data.qpos[3] = 1.0
    lay = body3d_layout(model, body)
    rng = np.random.default_rng(0)
    for j, name in enumerate(JOINT_NAMES_3D):
        if name.endswith("_r"):
            v = rng.uniform(*np.clip(lay.joint_range_rad[j], -0.5, 0.5))
            data.qpos[lay.joint_qpos[j]] = data.qpos[lay.joint_qpos[JOINT_NAMES_3D.index(mirror_name(name))]] = v
    mujoco.mj_kinematics(model, data)
    np.testing.assert_allclose(data.xpos[lay.foot_bodies[0]] * (1, -1, 1), data.xpos[lay.foot_bodies[1]], atol=1e-12)
    np.testing.assert_allclose(data.geom_xpos[lay.contact_geoms[0]] * (1, -1, 1), data.geom_xpos[lay.contact_geoms[1]],
                               atol=1e-12)


@pytest.mark.parametrize("name,moved", [
    ("hip_adduction_r", +1), ("hip_adduction_l", -1),  # adduction: the knee toward the midline (+y for r)
    ("ankle_inversion_r", +1), ("ankle_inversion_l", -1),  # inversion: the sole faces the midline
])
def test_frontal_joint_signs_are_clinical(name, moved):
    body = BodyParams()
    model = _model(body)
    data = mujoco.MjData(model)
    data.qpos[3] = 1.0
    lay = body3d_layout(model, body)
    side = name[-1]
    if name.startswith("hip"):
        probe = lambda: data.xpos[model.body(f"shank_{side}").id, 1]  # noqa: E731  knee centre y
    else:  # the sole's normal: the foot's −z axis, its y component
        probe = lambda: -data.xmat[model.body(f"foot_{side}").id].reshape(3, 3)[1, 2]  # noqa: E731
    mujoco.mj_kinematics(model, data)
    before = probe()
    data.qpos[lay.joint_qpos[JOINT_NAMES_3D.index(name)]] = 0.2
    mujoco.mj_kinematics(model, data)
    assert np.sign(probe() - before) == moved


def test_default_3d_pd_is_the_prototypes_and_weakness_reaches_every_joint_of_a_side():
    body = BodyParams()
    planar, full = PDParams.default_for(body), PDParams.default_for(body, "3d")
    assert full.joint_names == JOINT_NAMES_3D and planar.joint_names == JOINT_NAMES
    # the 3D prototype's gains for 70 kg, 1.70 m (shared/docs/SIM_NOTES.md): hip, knee 400 N·m/rad (limit 200 N·m),
    # ankle 200 (150), hip ab/adduction 300 (200), rotation 100 (100), ankle inversion 100 (80); kd = 0.1 s × kp
    np.testing.assert_allclose(full.kp_nm_per_rad[:12], [400, 400, 200] * 2 + [300, 100, 100] * 2, rtol=0.025)
    np.testing.assert_allclose(full.torque_limit_nm[:12], [200, 200, 150] * 2 + [200, 100, 80] * 2, rtol=0.02)
    np.testing.assert_allclose(full.kd_nms_per_rad, 0.1 * np.asarray(full.kp_nm_per_rad))
    assert planar.extended_3d(body) == full
    stiff = PDParams(tuple(2 * k for k in planar.kp_nm_per_rad), planar.kd_nms_per_rad, planar.torque_limit_nm)
    # a planar PD twice as stiff: every leg joint twice the 3D default, the lumbar joint (no side) as it is
    np.testing.assert_allclose(stiff.extended_3d(body).kp_nm_per_rad,
                               [2 * k for k in full.kp_nm_per_rad[:12]] + list(full.kp_nm_per_rad[12:]))
    weak = planar.scaled("l", kp=0.5, torque=0.4).extended_3d(body)
    for i, name in enumerate(JOINT_NAMES_3D[6:], start=6):
        factor_kp, factor_t = (0.5, 0.4) if name.endswith("_l") else (1.0, 1.0)
        assert weak.kp_nm_per_rad[i] == pytest.approx(full.kp_nm_per_rad[i] * factor_kp)
        assert weak.torque_limit_nm[i] == pytest.approx(full.torque_limit_nm[i] * factor_t)
    other = full.scaled("l", kp=0.5, torque=0.4)  # lumbar (no side) untouched either way
    for f in ("kp_nm_per_rad", "kd_nms_per_rad", "torque_limit_nm"):
        np.testing.assert_allclose(getattr(weak, f), getattr(other, f), rtol=1e-12)
    assert PDParams.from_dict(full.to_dict()) == full
    with pytest.raises(ValueError, match="6 values"):
        PDParams((1.0,) * 7, (1.0,) * 7, (1.0,) * 7)


def test_actuators_apply_the_pd_law_on_the_3d_joints():
    body = BodyParams()
    pd = PDParams.default_for(body, "3d").scaled("r", kp=0.5, torque=0.5)
    model = _model(body)
    lay = body3d_layout(model, body)
    apply_pd(model, lay, pd)
    data = mujoco.MjData(model)
    data.qpos[3] = 1.0
    data.qpos[2] = 5.0  # in the air: no contacts
    j = JOINT_NAMES_3D.index("hip_adduction_r")
    data.ctrl[lay.actuators[j]] = 0.1
    mujoco.mj_forward(model, data)
    expected = np.clip(pd.kp_nm_per_rad[j] * 0.1, -pd.torque_limit_nm[j], pd.torque_limit_nm[j])
    assert data.actuator_force[lay.actuators[j]] == pytest.approx(expected)
    with pytest.raises(ValueError, match="extended_3d"):
        apply_pd(model, lay, PDParams.default_for(body))


def test_standing_3d_body_stays_up_for_2_s_on_ankles_stiffer_than_m_g_h():
    # An inverted pendulum on PD ankles stands without help only if kp > m·g·h (~70 kg · 9.81 · 1.0 m ≈ 690
    # N·m/rad): the default ankles (200 N·m/rad, the 3D prototype's) leave balance to the policy, so the
    # passive body stands here on the planar body's ankles (840 N·m/rad); the lumbar joint locked and free.
    body = BodyParams()
    default = PDParams.default_for(body, "3d")
    kp = list(default.kp_nm_per_rad)
    for j in (2, 5):
        kp[j] = 12.0 * body.mass_kg
    for locked in (True, False):
        _stands_2_s(body, PDParams(tuple(kp), tuple(0.1 * k for k in kp), default.torque_limit_nm), locked)


def _stands_2_s(body: BodyParams, pd: PDParams, lumbar_locked: bool) -> None:
    spec = build_3d_spec(body, pd, lumbar_locked=lumbar_locked)
    add_terrain(spec)
    model = spec.compile()
    apply_task(model, Task(), TerrainLayout())
    lay = body3d_layout(model, body)
    data = mujoco.MjData(model)
    data.qpos[3] = 1.0
    mujoco.mj_kinematics(model, data)
    sole = data.geom_xpos[lay.contact_geoms][..., 2].min() - model.geom_size[lay.contact_geoms[0, 0], 0]
    data.qpos[2] = -sole + 0.001
    start = data.qpos[:3].copy()
    for _ in range(int(2.0 / (model.opt.timestep * FRAME_SKIP))):
        mujoco.mj_step(model, data, nstep=FRAME_SKIP)
    assert abs(data.qpos[2] - start[2]) < 0.03 and np.hypot(*(data.qpos[:2] - start[:2])) < 0.05
    assert set(JOINT_NAMES) < set(JOINT_NAMES_3D)
