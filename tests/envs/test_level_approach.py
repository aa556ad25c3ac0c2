"""``WalkEnv(level_approach=True)``: the level approach is walked with the person's level gait and the
tracking target blends into the task's reference over the step onto the feature."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rl_gait.envs.walk import APPROACH_BLEND_CYCLES, PHASE_TABLE_SIZE, BlendedTables, WalkEnv
from rl_gait.joints import JOINT_NAMES
from rl_gait.reference import healthy_reference
from rl_gait.tasks import Task

STAIRS = Task("stairs", step_height_m=0.12)


def _tables(q: float, com: float, stance: bool, pitch: float, step: float) -> SimpleNamespace:
    n = PHASE_TABLE_SIZE
    return SimpleNamespace(q=np.full((n, 6), q), qd=np.full((n, 6), 0.1 * q), feet=np.full((n, 4), 2 * q),
                           com_height=np.full(n, com), stance=np.full((n, 2), stance), trunk_pitch_rad=pitch,
                           step_length_m=step)


def test_blended_tables_by_hand():
    approach, task = _tables(0.0, 0.9, False, 0.0, 0.6), _tables(1.0, 0.8, True, 0.1, 0.3)
    b = BlendedTables(approach, task, start_phase=0.2, cycle_duration_s=1.2)
    at = lambda p: int(round(p * PHASE_TABLE_SIZE))  # noqa: E731
    assert APPROACH_BLEND_CYCLES == 0.5
    # w = min(((p − 0.2) mod 1) / 0.5, 1): p 0.2 → 0, 0.45 → 0.5, 0.7 → 1, 0.1 (0.9 past the start) → 1
    for p, w in ((0.2, 0.0), (0.45, 0.5), (0.7, 1.0), (0.1, 1.0)):
        np.testing.assert_allclose(b.q[at(p)], w * 1.0)
        np.testing.assert_allclose(b.feet[at(p)], w * 2.0)
        assert b.com_height[at(p)] == pytest.approx((1 - w) * 0.9 + w * 0.8)
    # q̇ = (1 − w)·0 + w·0.1 + ẇ·(1 − 0), ẇ = 1 / (0.5 · 1.2 s) = 1.667 /s while blending, 0 after
    np.testing.assert_allclose(b.qd[at(0.45)], 0.5 * 0.1 + 1 / 0.6)
    np.testing.assert_allclose(b.qd[at(0.8)], 0.1)
    assert b.stance.all() and b.trunk_pitch_rad == 0.1 and b.step_length_m == 0.3  # the task's


def _grid(ref):
    cols = [ref.column(n) for n in JOINT_NAMES]
    return ref.angles_at(np.arange(PHASE_TABLE_SIZE) / PHASE_TABLE_SIZE)[:, cols]


def test_the_approach_is_walked_with_the_level_gait_and_the_feature_with_the_task_reference():
    ref = healthy_reference(STAIRS)
    env = WalkEnv(task=STAIRS, reference=ref, level_approach=True, swing_clearance_m=None)  # the raw approach
    edge = env.terrain_layout.approach_end_x_m
    env.reset(seed=0, options={"x_m": 0.0})
    assert env.on_approach_reference
    np.testing.assert_allclose(env.ref.q, _grid(ref.approach))
    assert env._dphase == pytest.approx(env.control_dt / ref.approach.cycle_duration_s)
    plain = WalkEnv(task=STAIRS, reference=ref, level_approach=False)
    assert env.target_speed_m_s == plain.target_speed_m_s  # one goal for the whole course: the task's
    # a start on the feature (or within a step of it) tracks the task's reference from the start
    step = env._task_tables.step_length_m
    for x in (edge - step + 0.01, edge + 0.5):
        env.reset(seed=0, options={"x_m": x})
        assert not env.on_approach_reference and env.ref is env._task_tables
    # without the option, or on level ground, there is nothing to switch
    plain.reset(seed=0)
    assert not plain.on_approach_reference
    assert plain.ref is plain._task_tables
    level = WalkEnv(task=Task(), reference=healthy_reference(), level_approach=True)
    level.reset(seed=0)
    assert not level.on_approach_reference


def _step_until_left_contact(env, x_m: float, start_phase: float) -> list[dict]:
    env.reset(seed=0, options={"x_m": x_m, "phase": start_phase})
    infos = []
    while True:  # zero action; the switch does not depend on termination
        phase_before = env._phase
        *_, info = env.step(np.zeros(6))
        infos.append(info)
        if phase_before < 0.5 <= info["phase"]:
            return infos


def test_the_switch_comes_at_the_contact_before_the_step_onto_the_feature_and_blends_over_one_step():
    ref = healthy_reference(STAIRS)
    env = WalkEnv(task=STAIRS, reference=ref, level_approach=True, swing_clearance_m=None)  # the raw approach
    edge, step = env.terrain_layout.approach_end_x_m, env._task_tables.step_length_m
    # far from the edge: the left contact passes and the walker stays on the level gait
    infos = _step_until_left_contact(env, 0.0, 0.45)
    assert all(i["on_approach_reference"] for i in infos)
    # one step from the edge: at the left contact (phase 0.5) the target starts to blend into the task's
    infos = _step_until_left_contact(env, edge - step - 0.005, 0.45)
    assert all(i["on_approach_reference"] for i in infos[:-1]) and not infos[-1]["on_approach_reference"]
    assert isinstance(env.ref, BlendedTables)
    i = int(env._phase * PHASE_TABLE_SIZE)
    np.testing.assert_allclose(env.ref.q[i], _grid(ref.approach)[i])  # continuous at the switch
    assert env._dphase == pytest.approx(env.control_dt / ref.cycle_duration_s)  # the task's cadence from here
    n = env._blend_steps_left
    assert n == round(APPROACH_BLEND_CYCLES * ref.cycle_duration_s / env.control_dt)
    for _ in range(n):
        env.step(np.zeros(6))
    assert env.ref is env._task_tables
