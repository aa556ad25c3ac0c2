"""healthy_reference: the envs' default target from the atlas (+ literature task priors)."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.joints import JOINT_NAMES
from rl_gait.reference import ReferenceMotion, healthy_reference
from rl_gait.reference.healthy import side_curves_to_samples
from rl_gait.tasks import Task

TASKS = [Task(), Task("slope", grade_deg=10), Task("slope", grade_deg=-15),
         Task("stairs", step_height_m=0.17), Task("stairs", step_height_m=0.15, ascending=False)]


def test_side_curves_to_samples_shifts_left_side():
    curves = np.zeros((6, 101))
    curves[:, :] = np.linspace(0, 1, 101)  # ramp in own phase (discontinuous, easy to locate)
    q = side_curves_to_samples(curves, 0.5, n_samples=100)
    assert q[0, 0] == pytest.approx(0.0) and q[25, 0] == pytest.approx(0.25)
    assert q[50, 3] == pytest.approx(0.0) and q[75, 3] == pytest.approx(0.25)  # left contact at 50 %


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_healthy_reference_is_valid_and_continuous(task):
    ref = healthy_reference(task)
    assert isinstance(ref, ReferenceMotion) and ref.joint_names == JOINT_NAMES
    assert ref.task.terrain == task.terrain and ref.phase_zero == "right_initial_contact"
    assert 0.8 < ref.cycle_duration_s < 1.6 and 0.3 < ref.speed_m_s < 2.0
    # continuous across the cycle boundary: the wrap step is no larger than a typical in-cycle step
    q = ref.joint_angles_rad
    steps = np.abs(np.diff(q, axis=0)).max(axis=0)
    wrap = np.abs(q[0] - q[-1])
    assert np.all(wrap <= 1.5 * steps + 1e-9)
    np.testing.assert_allclose(ref.angles_at(1.0 - 1e-9), ref.angles_at(0.0), atol=1e-6)


def test_healthy_reference_speed_and_task_effects():
    slow, fast = healthy_reference(speed_m_s=0.8), healthy_reference(speed_m_s=1.6)
    assert fast.cycle_duration_s < slow.cycle_duration_s and fast.stride_length_m > slow.stride_length_m
    assert healthy_reference(Task(speed_m_s=0.8)).speed_m_s == pytest.approx(slow.speed_m_s)
    level, stairs = healthy_reference(), healthy_reference(Task("stairs", step_height_m=0.17))
    k = JOINT_NAMES.index("knee_r")
    assert np.rad2deg(stairs.joint_angles_rad[:, k].max()) > np.rad2deg(level.joint_angles_rad[:, k].max()) + 20
    assert stairs.stride_length_m == pytest.approx(2 * np.hypot(0.30, 0.17))



def test_slopes_and_stairs_carry_the_level_gait_at_their_speed_as_approach():
    assert healthy_reference().approach is None
    for task in (Task("stairs", step_height_m=0.12), Task("slope", grade_deg=-7.5)):
        ref = healthy_reference(task)
        app = ref.approach
        assert app.task.terrain == "level" and app.approach is None
        assert app.speed_m_s == pytest.approx(ref.speed_m_s)  # the level gait at the task's speed
        np.testing.assert_array_equal(app.joint_angles_rad, healthy_reference(speed_m_s=ref.speed_m_s).joint_angles_rad)


def test_descents_and_stairs_are_never_faster_than_level():
    from rl_gait.atlas.priors import task_deviation
    from rl_gait.reference.healthy import task_timing

    # a slow shuffling level gait: 0.6 m strides of 1.5 s = 0.4 m/s
    down = Task("stairs", step_height_m=0.15, ascending=False)
    # stairs: 2·hypot(0.30, 0.15) = 0.670820 m in 1.1 × 1.5 = 1.65 s = 0.4066 m/s > 0.4: the stride time
    # lengthens to 0.670820 · 1.5 / 0.6 = 1.677051 s (0.4 m/s)
    t, length = task_timing(1.5, 0.6, down, task_deviation(down))
    assert length == pytest.approx(0.670820, abs=1e-6) and t == pytest.approx(1.677051, abs=1e-6)
    # a long level stride: 1.4 m in 1.08 s (1.30 m/s); stairs 0.6708 m in 1.188 s = 0.565 m/s: not capped
    t, _ = task_timing(1.08, 1.4, down, task_deviation(down))
    assert t == pytest.approx(1.188)
    # uphill is not capped (no faster than level by the priors anyway); every healthy reference holds it
    level = healthy_reference(Task()).speed_m_s
    for task in (Task("slope", grade_deg=-12.5), down, Task("stairs", step_height_m=0.2)):
        assert healthy_reference(task).speed_m_s <= level + 1e-9
