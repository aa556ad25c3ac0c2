"""Reward terms of the walking envs: pure functions, DeepMimic-style exponential kernels.

``r = w · exp(−k · e²)`` per term (Peng et al. 2018, *DeepMimic*, eq. 5–9; the paper's code follows it):
each term is in ``[0, w]``; the env reports every weighted term as ``info["reward_<name>"]`` and the
reward is their sum. Tracking terms compare the simulated state with the reference at the same phase;
goal terms reward the task (speed toward the target, an upright trunk, the reference step length). One term
is a penalty in ``[−w, 0]``: ``speed_excess``, walking faster than the target speed (issue 30: a walker that
tracks a stair or descent reference's joint angles can still run down, the two-sided ``speed`` kernel is flat
far from its target and pays little for coming back).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class RewardWeights:
    """Weights ``w`` and kernel scales ``k`` of each term (the default weights sum to 1; ``contact`` and the
    ``speed_excess`` penalty come on top)."""

    pose: float = 0.40
    joint_velocity: float = 0.05
    feet: float = 0.15
    com_height: float = 0.10
    speed: float = 0.20
    upright: float = 0.05
    step_length: float = 0.05
    # contact timing, on top of the weights that sum to 1: at 0.5 the level twins' paretic stance fell by 8–30 points
    # (8 of 8 recording × seed pairs), and with 2 M task-training steps the pipeline's twins step at the patients'
    # cadence instead of shuffling (docs/planar_vs_3d.md, run 4); 0.0 before 2026-12-06
    contact: float = 0.5
    speed_excess: float = 0.2  # a penalty in [−w, 0], not counted in the weights that sum to 1
    k_pose_per_rad2: float = 2.0
    k_joint_velocity_s2_per_rad2: float = 0.05
    k_feet_per_m2: float = 40.0
    k_com_height_per_m2: float = 40.0
    k_speed_s2_per_m2: float = 4.0
    k_upright_per_rad2: float = 5.0
    k_step_length_per_m2: float = 40.0
    k_speed_excess_s2_per_m2: float = 10.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def term_names(self) -> tuple[str, ...]:
        return ("pose", "joint_velocity", "feet", "com_height", "speed", "upright", "step_length", "contact",
                "speed_excess")

    @property
    def penalty_names(self) -> tuple[str, ...]:
        """Terms in ``[−w, 0]`` (the others are in ``[0, w]``)."""
        return ("speed_excess",)


def exp_kernel(squared_error: np.ndarray | float, k: float) -> np.ndarray | float:
    """``exp(−k · e²)`` given ``e²`` (any units, ``k`` in the inverse units)."""
    return np.exp(-k * squared_error)


def pose_reward(q_rad: np.ndarray, q_ref_rad: np.ndarray, weight: float, k_per_rad2: float) -> float:
    """Joint-angle tracking: ``w·exp(−k·Σ_j (q_j − q_ref_j)²)``; ``q`` [J] rad."""
    d = q_rad - q_ref_rad
    return weight * math.exp(-k_per_rad2 * float(d @ d))


def joint_velocity_reward(qd_rad_s: np.ndarray, qd_ref_rad_s: np.ndarray, weight: float, k: float) -> float:
    """Joint-velocity tracking: ``w·exp(−k·Σ_j (q̇_j − q̇_ref_j)²)``; ``q̇`` [J] rad/s."""
    d = qd_rad_s - qd_ref_rad_s
    return weight * math.exp(-k * float(d @ d))


def feet_reward(feet_m: np.ndarray, feet_ref_m: np.ndarray, weight: float, k_per_m2: float) -> float:
    """End-effector tracking: feet positions relative to the pelvis, ``[4]`` (x, z of r and l) m."""
    d = feet_m - feet_ref_m
    return weight * math.exp(-k_per_m2 * float(d @ d))


def com_height_reward(h_m: float, h_ref_m: float, weight: float, k_per_m2: float) -> float:
    """Centre-of-mass height above the ground vs the reference's, m."""
    return weight * math.exp(-k_per_m2 * (h_m - h_ref_m) ** 2)


def speed_reward(v_m_s: float, v_target_m_s: float, weight: float, k_s2_per_m2: float) -> float:
    """Forward speed toward the target, m/s."""
    return weight * math.exp(-k_s2_per_m2 * (v_m_s - v_target_m_s) ** 2)


def speed_excess_penalty(v_m_s: float, v_max_m_s: float, weight: float, k_s2_per_m2: float) -> float:
    """Walking faster than ``v_max_m_s`` (m/s, forward): ``−w·(1 − exp(−k·max(0, v − v_max)²))``, in ``[−w, 0]``;
    0 at or below ``v_max``, so it is no bonus for surviving and leaves slower walking to the ``speed`` term."""
    excess = max(0.0, v_m_s - v_max_m_s)
    return -weight * (1.0 - math.exp(-k_s2_per_m2 * excess * excess))


def upright_reward(pitch_rad: float, weight: float, k_per_rad2: float) -> float:
    """Trunk pitch error (rad, forward lean positive; the pitch minus the reference's) near zero."""
    return weight * math.exp(-k_per_rad2 * pitch_rad**2)


def pelvic_obliquity_reward(obliquity_rad: float, obliquity_ref_rad: float, weight: float, k_per_rad2: float) -> float:
    """Pelvic obliquity (rad, left side up positive) vs the reference's at the same phase: ``w·exp(−k·e²)``
    (3D body: the hip hiking of a hemiparetic reference)."""
    return weight * math.exp(-k_per_rad2 * (obliquity_rad - obliquity_ref_rad) ** 2)


def step_length_reward(step_m: float | None, step_ref_m: float, weight: float, k_per_m2: float) -> float:
    """Paid at foot touchdown only (``step_m`` not ``None``): step length vs the reference's, m.

    ``weight`` is per step; steps happen about every ``1 / (2 · f_stride)`` s, so on average it adds
    ``weight × control_dt × 2 f_stride`` per control step; the env rescales so its mean matches its
    share of the weights.
    """
    if step_m is None:
        return 0.0
    return weight * math.exp(-k_per_m2 * (step_m - step_ref_m) ** 2)


def contact_timing_reward(contact: np.ndarray, stance_ref: np.ndarray, weight: float) -> float:
    """Feet on the ground when the reference's gait events say stance, off it in swing: ``w ×`` the
    fraction of the two feet whose contact (``[2]`` bool, r, l) equals the reference's stance at the same
    phase (``[2]`` bool, :meth:`~rl_gait.reference.ReferenceMotion.stance_at`). In ``[0, w]``."""
    matches = (bool(contact[0]) == bool(stance_ref[0])) + (bool(contact[1]) == bool(stance_ref[1]))
    return weight * 0.5 * matches  # two scalar compares: this runs every control step
