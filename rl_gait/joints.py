"""The one joint vocabulary shared by every stage (ingestion, atlas, body, envs, learner, report).

Sagittal joint angles in radians, sides as ``_r`` / ``_l``. Sign conventions (clinical):

- ``hip_*``: flexion positive (thigh forward of the pelvis' vertical).
- ``knee_*``: flexion positive (0 = straight leg).
- ``ankle_*``: dorsiflexion positive (0 = foot perpendicular to the shank).

Order is right leg then left leg, proximal to distal. Phase 0 of a gait cycle is the initial
contact (heel strike) of the right foot unless a ``ReferenceMotion`` says otherwise.
"""

from __future__ import annotations

from typing import Literal

SIDES: tuple[str, str] = ("r", "l")
SIDE_NAMES: dict[str, str] = {"r": "right", "l": "left"}
JOINT_TYPES: tuple[str, str, str] = ("hip", "knee", "ankle")
JOINT_NAMES: tuple[str, ...] = tuple(f"{j}_{s}" for s in SIDES for j in JOINT_TYPES)
# ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")

Side = Literal["left", "right", "none"]
N_CURVE_POINTS = 101  # stride-normalised curves: 0, 1, ..., 100 % of the gait cycle


def joint_index(name: str) -> int:
    """Index of ``name`` in :data:`JOINT_NAMES` (``ValueError`` with the valid names otherwise)."""
    try:
        return JOINT_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown joint {name!r}; valid joints: {', '.join(JOINT_NAMES)}") from None


def mirror_name(name: str) -> str:
    """``hip_r`` -> ``hip_l`` and back."""
    base, side = name.rsplit("_", 1)
    return f"{base}_{'l' if side == 'r' else 'r'}"
