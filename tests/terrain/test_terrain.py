"""Terrain geometry probed in simulation with ray casts: grade and step rise as requested."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from rl_gait.body import BodyParams
from rl_gait.body.planar import build_planar_spec
from rl_gait.tasks import Task
from rl_gait.terrain import TerrainLayout, add_terrain, apply_task, ground_height_m

LAYOUT = TerrainLayout(approach_end_x_m=1.0, n_steps=6)


PROBE_R = 0.05


@pytest.fixture(scope="module")
def model_data():
    spec = build_planar_spec(BodyParams())
    add_terrain(spec)
    probe = spec.worldbody.add_body(name="probe", pos=(0, 0.5, 5.0))
    probe.add_freejoint(name="probe")
    probe.mass, probe.inertia, probe.explicitinertial = 1.0, (1e-3, 1e-3, 1e-3), True
    probe.add_geom(type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(PROBE_R, 0, 0), mass=1.0, contype=0, conaffinity=1)
    model = spec.compile()
    return model, mujoco.MjData(model)


def _drop_height(model, data, x: float) -> tuple[float, float]:
    """Drop a 5 cm sphere beside the walker at ``x``; where it lands (x, z) is on the physical surface."""
    adr = model.jnt_qposadr[model.joint("probe").id]
    dof = model.jnt_dofadr[model.joint("probe").id]
    data.qpos[adr: adr + 7] = (x, 0.5, 40.0, 1, 0, 0, 0)  # above the ray origin, out of its way
    mujoco.mj_forward(model, data)
    data.qpos[adr + 2] = _probe_height(model, data, x) + 0.05
    data.qvel[dof: dof + 6] = 0.0
    data.qpos[model.jnt_qposadr[model.joint("root_z").id]] = 50.0  # walker out of the way
    data.qvel[:] = 0.0
    for _ in range(300):
        mujoco.mj_step(model, data)
        data.qvel[[dof, dof + 1, dof + 3, dof + 4, dof + 5]] *= 0.9  # settle without rolling down the slope
    return float(data.qpos[adr]), float(data.qpos[adr + 2] - PROBE_R)


def _probe_height(model, data, x: float) -> float:
    """Cast a ray straight down from 20 m; return the hit height (terrain geoms only: group filter)."""
    geomid = np.zeros(1, np.int32)
    body_exclude = -1
    pnt = np.array([x, 0.5, 20.0])  # y = 0.5: beside the walker, on the terrain (half width 1 m)
    dist = mujoco.mj_ray(model, data, pnt, np.array([0.0, 0.0, -1.0]), None, 1, body_exclude, geomid)
    assert dist >= 0, f"no terrain under x={x}"
    return 20.0 - dist


def _set(model, data, task):
    apply_task(model, task, LAYOUT, data)
    adr = model.jnt_qposadr[model.joint("probe").id]
    data.qpos[adr + 2] = 40.0  # park the probe sphere above every ray origin
    mujoco.mj_forward(model, data)


@pytest.mark.parametrize("grade_deg", [-15.0, -7.5, 0.0, 5.0, 15.0])
def test_measured_grade(model_data, grade_deg):
    model, data = model_data
    _set(model, data, Task("slope", grade_deg=grade_deg))
    xs = np.array([2.0, 6.0])
    z = np.array([_probe_height(model, data, x) for x in xs])
    measured = np.rad2deg(np.arctan2(z[1] - z[0], xs[1] - xs[0]))
    assert measured == pytest.approx(grade_deg, abs=0.2)
    assert _probe_height(model, data, 0.5) == pytest.approx(0.0, abs=1e-6)  # level approach
    np.testing.assert_allclose(z, ground_height_m(Task("slope", grade_deg=grade_deg), LAYOUT, xs), atol=1e-6)
    # and collisions see the same surface (a moved geom must not keep its compile-time bounding box)
    for x in (3.0, 8.0):
        x_end, z_end = _drop_height(model, data, x)
        assert z_end == pytest.approx(float(ground_height_m(Task("slope", grade_deg=grade_deg), LAYOUT, x_end)), abs=0.005)


@pytest.mark.parametrize("height_m,ascending", [(0.08, True), (0.15, True), (0.20, False), (0.12, False)])
def test_measured_step_rise(model_data, height_m, ascending):
    model, data = model_data
    task = Task("stairs", step_height_m=height_m, step_depth_m=0.28, ascending=ascending)
    _set(model, data, task)
    centres = LAYOUT.approach_end_x_m + (np.arange(LAYOUT.n_steps) + 0.5) * 0.28
    z = np.array([_probe_height(model, data, x) for x in centres])
    rises = np.diff(np.concatenate([[0.0], z]))
    sign = 1 if ascending else -1
    np.testing.assert_allclose(rises, sign * height_m, atol=0.002)
    landing = _probe_height(model, data, centres[-1] + 1.0)
    assert landing == pytest.approx(sign * height_m * LAYOUT.n_steps, abs=0.002)
    np.testing.assert_allclose(z, ground_height_m(task, LAYOUT, centres), atol=1e-6)
    for x, top in zip(centres[[0, 3, 5]], z[[0, 3, 5]], strict=True):
        x_end, z_end = _drop_height(model, data, float(x))
        assert abs(x_end - x) < 0.05 and z_end == pytest.approx(top, abs=0.005)


def test_switching_back_to_level_clears_stairs(model_data):
    model, data = model_data
    _set(model, data, Task("stairs", step_height_m=0.17))
    _set(model, data, Task())
    for x in (-1.0, 1.5, 3.0, 10.0):
        assert _probe_height(model, data, x) == pytest.approx(0.0, abs=1e-6)
