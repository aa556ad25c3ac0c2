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
SIDE_CODES: dict[str, str] = {name: code for code, name in SIDE_NAMES.items()}
"""``{"right": "r", "left": "l"}``: a paretic side (``GaitTrial``/``ReferenceMotion.paretic_side``) as a joint suffix."""


def side_code(side: str) -> str:
    """A paretic side ``"right"`` / ``"left"`` / ``"none"`` as ``"r"`` / ``"l"`` / ``"none"``."""
    if side == "none":
        return side
    try:
        return SIDE_CODES[side]
    except KeyError:
        raise ValueError(f"side must be 'right', 'left' or 'none', got {side!r}") from None
JOINT_TYPES: tuple[str, str, str] = ("hip", "knee", "ankle")
JOINT_NAMES: tuple[str, ...] = tuple(f"{j}_{s}" for s in SIDES for j in JOINT_TYPES)
# ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")
NON_SAGITTAL_JOINT_NAMES: tuple[str, ...] = (
    *(f"{j}_{s}" for s in SIDES for j in ("hip_adduction", "hip_rotation", "ankle_inversion")),
    "lumbar_flexion", "lumbar_bending",
)
"""The 3D body's joints beyond :data:`JOINT_NAMES` (radians): ``hip_adduction_*`` (adduction positive),
``hip_rotation_*`` (internal rotation positive), ``ankle_inversion_*`` (inversion positive: the sole turns
toward the midline), ``lumbar_flexion`` (trunk forward positive), ``lumbar_bending`` (trunk to the right
positive)."""
JOINT_NAMES_3D: tuple[str, ...] = JOINT_NAMES + NON_SAGITTAL_JOINT_NAMES
"""Joint order of the 3D body (:mod:`rl_gait.body.body3d`): the planar body's six sagittal joints first, so
the first six entries of a 3D action or joint vector mean what the planar body's do."""

FRONTAL_REFERENCE_NAMES: tuple[str, ...] = ("pelvic_obliquity", "hip_adduction_r", "hip_adduction_l")
"""Frontal-plane curves a reference may carry beside its sagittal joints (radians, signs of
:mod:`rl_gait.ingest.frontal`): ``pelvic_obliquity`` (left side up positive; phase 0 = right initial contact) and
``hip_adduction_*`` (adduction positive, the 3D body's joints of that name)."""

Side = Literal["left", "right", "none"]
N_CURVE_POINTS = 101  # stride-normalised curves: 0, 1, ..., 100 % of the gait cycle


def joint_index(name: str) -> int:
    """Index of ``name`` in :data:`JOINT_NAMES` (``ValueError`` with the valid names otherwise)."""
    try:
        return JOINT_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown joint {name!r}; valid joints: {', '.join(JOINT_NAMES)}") from None


def mirror_name(name: str) -> str:
    """``hip_r`` -> ``hip_l`` and back (a name without a side, ``lumbar_flexion``, is its own mirror)."""
    base, side = name.rsplit("_", 1)
    if side not in SIDES:
        return name
    return f"{base}_{'l' if side == 'r' else 'r'}"


def joint_type(name: str) -> str:
    """The joint a name belongs to: ``hip_adduction_l`` -> ``hip``, ``knee_r`` -> ``knee``, ``lumbar_bending`` ->
    ``lumbar``."""
    return name.split("_", 1)[0]


def joint_side(name: str) -> str | None:
    """``"r"``, ``"l"`` or ``None`` (a midline joint such as ``lumbar_flexion``)."""
    side = name.rsplit("_", 1)[-1]
    return side if side in SIDES else None
