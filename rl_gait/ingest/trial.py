"""``GaitTrial``: the validated kinematics of one walking trial — the output of ingestion.

CONTRACT (other stages rely on these field names; extend, do not rename):
all angles in radians with the signs of :mod:`rl_gait.joints`; joint names from
:data:`rl_gait.joints.JOINT_NAMES` (only those the sensors allow are present).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class GaitEvents:
    """Gait events of one side, times in seconds from the trial start (ascending)."""

    initial_contact_s: np.ndarray  # [n_ic]
    foot_off_s: np.ndarray  # [n_fo]


@dataclass(frozen=True)
class GaitTrial:
    """One level-ground walking trial.

    Attributes:
        subject_id: pseudonymous id (never a name).
        sample_rate_hz: samples per second of ``time_s``.
        time_s: ``[T]`` sample times in seconds.
        joint_names: available joints, subset of ``JOINT_NAMES`` in that order.
        joint_angles_rad: ``[T, J]`` sagittal joint angles (rad).
        segment_names: e.g. ``("pelvis", "thigh_r", "shank_r", "thigh_l", "shank_l")``.
        segment_quat_wxyz: ``[T, S, 4]`` global segment orientations (scalar first), may be ``[T, 0, 4]``.
        events: ``{"r": GaitEvents, "l": GaitEvents}``.
        strides: ``{"r": [n, 2], "l": [n, 2]}`` start/end times (s) of the strides used, IC to IC.
        curves_mean_rad: ``[J, 101]`` stride-normalised mean curves (phase 0 = that side's IC).
        curves_sd_rad: ``[J, 101]`` between-stride SD.
        spatiotemporal: scalar parameters with units in the key, e.g. ``cadence_steps_per_min``,
            ``stride_time_s_r``, ``stride_time_s_l``, ``stance_pct_r``, ``stance_pct_l``,
            ``double_support_pct``, ``speed_m_s`` (nan if unknown), ``step_length_m_r`` / ``_l``,
            ``stride_length_m`` (nan if unknown).
        symmetry: symmetry indices (%), e.g. ``stance_pct``, ``knee_range``, ``stride_time``.
        paretic_side: ``"left"``, ``"right"`` or ``"none"``.
        paretic_confidence: 0…1.
        height_m, mass_kg: subject anthropometrics when given, else ``None``.
        provenance: input files with sha256, format, reader version, options.
    """

    subject_id: str
    sample_rate_hz: float
    time_s: np.ndarray
    joint_names: tuple[str, ...]
    joint_angles_rad: np.ndarray
    segment_names: tuple[str, ...]
    segment_quat_wxyz: np.ndarray
    events: dict[str, GaitEvents]
    strides: dict[str, np.ndarray]
    curves_mean_rad: np.ndarray
    curves_sd_rad: np.ndarray
    spatiotemporal: dict[str, float]
    symmetry: dict[str, float]
    paretic_side: str
    paretic_confidence: float
    height_m: float | None = None
    mass_kg: float | None = None
    provenance: dict = field(default_factory=dict)
