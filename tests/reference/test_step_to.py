"""Step-to stair references: the leading leg per paretic side and direction, the cycle of one tread, the
placements the env fits, and the env walking one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rl_gait.reference import ReferenceMotion, healthy_reference
from rl_gait.reference.step_to import step_to_leading_side, step_to_reference
from rl_gait.tasks import Task


def test_up_with_the_good_down_with_the_bad():
    assert step_to_leading_side("left", ascending=True) == "right"
    assert step_to_leading_side("left", ascending=False) == "left"
    assert step_to_leading_side("right", ascending=True) == "left"
    assert step_to_leading_side("right", ascending=False) == "right"
    assert step_to_leading_side("none", ascending=False) == "right"  # healthy: the right leg by convention
    with pytest.raises(ValueError):
        step_to_leading_side("both", ascending=True)


def test_step_to_cycle_climbs_one_tread_at_half_the_speed():
    task = Task("stairs", step_height_m=0.15, step_depth_m=0.30, ascending=False)
    sos = healthy_reference(task)
    st = step_to_reference(sos)
    # one tread per cycle: hypot(0.30, 0.15) = 0.335410 m (step-over-step: two, 0.670820 m), same stride time
    assert st.stride_length_m == pytest.approx(0.335410, abs=1e-6)
    assert sos.stride_length_m == pytest.approx(0.670820, abs=1e-6)
    assert st.cycle_duration_s == sos.cycle_duration_s and st.speed_m_s == pytest.approx(sos.speed_m_s / 2)
    np.testing.assert_array_equal(st.joint_angles_rad, sos.joint_angles_rad)
    assert (st.stair_strategy, st.leading_side) == ("step_to", "right")
    # step-over-step: every contact one tread on and one riser down; step-to: the right leads, the left lands beside
    np.testing.assert_allclose(sos.contact_placements_m(), [[0.30, -0.15], [0.30, -0.15]])
    np.testing.assert_allclose(st.contact_placements_m(), [[0.30, -0.15], [0.0, 0.0]])
    left_leads = replace(st, leading_side="left")
    np.testing.assert_allclose(left_leads.contact_placements_m(), [[0.0, 0.0], [0.30, -0.15]])
    assert np.all(np.isnan(healthy_reference(Task()).contact_placements_m()))
    with pytest.raises(ValueError):
        step_to_reference(st)  # already step-to
    with pytest.raises(ValueError):
        step_to_reference(healthy_reference(Task("slope", grade_deg=5.0)))


def test_step_to_is_saved_and_loaded(tmp_path):
    st = step_to_reference(healthy_reference(Task("stairs", step_height_m=0.17)))
    back = ReferenceMotion.load(st.save(tmp_path / "st.npz"))
    assert (back.stair_strategy, back.leading_side) == ("step_to", "right")
    assert back.approach is not None and back.stride_length_m == pytest.approx(st.stride_length_m)


def test_env_fits_a_step_to_reference_to_the_treads():
    """On the body the fitted step-to reference puts the leading foot on the next tread and the trailing foot beside
    it at their initial contacts (what the fit leaves, in m, is recorded)."""
    from rl_gait.envs.walk import WalkEnv

    task = Task("stairs", step_height_m=0.15)
    env = WalkEnv(task=task, reference=step_to_reference(healthy_reference(task)))
    res = env._task_tables.stair_fit_residuals_m
    assert res is not None and np.max(np.abs(res)) < 0.01
    obs, _ = env.reset(seed=0)
    for _ in range(20):
        obs, r, term, trunc, info = env.step(np.zeros(6, np.float32))
    assert np.isfinite(obs).all() and r == pytest.approx(sum(info[k] for k in info if k.startswith("reward_")))
