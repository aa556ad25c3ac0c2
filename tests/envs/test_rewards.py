"""Reward terms against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rl_gait.envs import rewards as R


def test_exp_kernel():
    assert R.exp_kernel(0.0, 3.0) == 1.0
    assert R.exp_kernel(0.5, 2.0) == pytest.approx(math.exp(-1.0))


def test_pose_reward_hand_computed():
    # errors 0.1 and 0.2 rad: Σe² = 0.05; k = 2 → exp(−0.1) = 0.904837; × w 0.4 = 0.361935
    q, q_ref = np.array([0.1, 0.2, 0.0]), np.zeros(3)
    assert R.pose_reward(q, q_ref, 0.4, 2.0) == pytest.approx(0.4 * 0.9048374180, rel=1e-9)
    assert R.pose_reward(q_ref, q_ref, 0.4, 2.0) == pytest.approx(0.4)


def test_joint_velocity_and_feet_rewards():
    # q̇ error (1, −1) rad/s: Σ = 2; k 0.05 → exp(−0.1)
    assert R.joint_velocity_reward(np.array([1.0, -1.0]), np.zeros(2), 0.05, 0.05) == pytest.approx(0.05 * math.exp(-0.1))
    # feet 3 cm and 4 cm off: Σ = 0.0025 m²; k 40 → exp(−0.1)
    assert R.feet_reward(np.array([0.03, 0.04, 0, 0]), np.zeros(4), 0.15, 40.0) == pytest.approx(0.15 * math.exp(-0.1))


def test_scalar_goal_terms():
    # COM 5 cm low: 0.0025 × 40 = 0.1
    assert R.com_height_reward(0.95, 1.0, 0.1, 40.0) == pytest.approx(0.1 * math.exp(-0.1))
    # 0.5 m/s too slow: 0.25 × 4 = 1
    assert R.speed_reward(0.7, 1.2, 0.2, 4.0) == pytest.approx(0.2 * math.exp(-1.0))
    # 0.2 rad lean: 0.04 × 5 = 0.2
    assert R.upright_reward(-0.2, 0.05, 5.0) == pytest.approx(0.05 * math.exp(-0.2))


def test_step_length_is_paid_at_touchdown_only():
    assert R.step_length_reward(None, 0.6, 1.0, 40.0) == 0.0
    # 5 cm short: 0.0025 × 40 = 0.1
    assert R.step_length_reward(0.55, 0.6, 1.5, 40.0) == pytest.approx(1.5 * math.exp(-0.1))


def test_weights_of_tracking_and_goal_terms_sum_to_one():
    w = R.RewardWeights()  # contact timing comes on top of them
    assert sum(getattr(w, n) for n in w.term_names if n not in (*w.penalty_names, "contact")) == pytest.approx(1.0)


def test_speed_excess_penalises_only_walking_faster_than_the_target():
    # 0.3 m/s too fast, k = 10: −0.2 · (1 − exp(−0.9)) = −0.2 · 0.59343 = −0.118686
    assert R.speed_excess_penalty(1.3, 1.0, 0.2, 10.0) == pytest.approx(-0.118686, abs=1e-6)
    assert R.speed_excess_penalty(1.0, 1.0, 0.2, 10.0) == 0.0  # at the target: nothing
    assert R.speed_excess_penalty(0.4, 1.0, 0.2, 10.0) == 0.0  # slower: the speed term's business
    assert R.speed_excess_penalty(9.0, 1.0, 0.2, 10.0) == pytest.approx(-0.2)  # saturates at −w


def test_contact_timing_counts_the_feet_that_match_the_reference():
    # right on the ground in the reference's stance, left on the ground in its swing: 1 of 2 → w / 2
    assert R.contact_timing_reward(np.array([True, True]), np.array([True, False]), 0.2) == pytest.approx(0.1)
    assert R.contact_timing_reward(np.array([False, True]), np.array([False, True]), 0.2) == pytest.approx(0.2)
    assert R.contact_timing_reward(np.array([True, False]), np.array([False, True]), 0.2) == 0.0
    assert R.RewardWeights().contact == 0.5  # on by default since 2026-12-06 (docs/planar_vs_3d.md, run 4)
