"""Frontal-plane kinematics from 3D segment orientations: pelvic obliquity and tilt, hip ab/adduction.

Conventions (world: x forward along the walk, y left, z up; a segment's frame: x forward, y left, z up
along the segment, as :mod:`rl_gait.body.body3d`):

- ``pelvic_obliquity``: rotation of the pelvis about the walking direction, **left side up positive**: the
  roll of a yaw–pitch–roll (ZYX) decomposition, ``atan2(left_z, up_z)`` (:func:`segment_roll_rad`).
- ``pelvic_tilt``: rotation about the left axis, **anterior tilt positive** (the pelvis' forward axis points
  down): the ZYX pitch, ``asin(−forward_z)``.
- ``hip_adduction_*``: the thigh's long axis against the pelvis, **adduction positive** on both sides (the
  knee toward the midline): ``asin(±d_y)`` with ``d`` the thigh's downward unit axis in pelvis coordinates,
  ``+`` for the right side (its midline is +y), ``−`` for the left. That is exactly the second angle of the
  flexion–adduction–rotation sequence of the 3D body's hip (:mod:`rl_gait.body.body3d`): a flexion about the
  pelvis' y axis leaves ``d_y`` unchanged, and the rotation about the thigh's own axis does not move it.

Both are heading-free (the yaw comes first in ZYX): each needs only the pelvis' own orientation to gravity.
:func:`hip_adduction_rad` needs pelvis and thigh in one common world frame (the simulator, optical motion
capture, a suit that fuses headings); wearable sensors whose headings disagree (gaittoolbox: up to 45°) use
the heading-free :func:`hip_adduction_from_rolls_rad` — the thigh's roll minus the pelvis' — which equals it
when the pelvis is level and differed from it by 2.4° / 4.8° RMSE (right / left) on the optical data of the
healthy gaittoolbox subject (``docs/body3d.md``).

Sensors sit on segments in any orientation: :func:`segment_frame_from_axes` turns the functional axes of
:mod:`rl_gait.ingest.alignment` (long axis from gravity, flexion axis from the gyroscope) into the rotation
from the segment's anatomical frame to the sensor's; StrokeAvatar clips carry segment orientations whose
calibration pose is the identity (:func:`strokeavatar_segment_to_world`). :func:`frontal_angles_rad` gives every
angle the segments present allow.

All functions are pure numpy over ``[..., 3, 3]`` rotation matrices (segment → world, columns are the
segment's axes) or ``[..., 4]`` quaternions (w, x, y, z).
"""

from __future__ import annotations

import numpy as np


def quat_to_matrix(q_wxyz: np.ndarray) -> np.ndarray:
    """Unit quaternions ``[..., 4]`` (w, x, y, z) → rotation matrices ``[..., 3, 3]`` (normalised first)."""
    q = np.asarray(q_wxyz, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1),
    ], axis=-2)


FRONTAL_NAMES: tuple[str, ...] = ("pelvic_obliquity", "pelvic_tilt", "hip_adduction_r", "hip_adduction_l")
"""The frontal-plane (and pelvic tilt) angles an ingested trial may carry, radians, signs as above."""
Y_UP_TO_Z_UP = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
"""Rotation taking coordinates of a y-up world (x, y, z) to a z-up one (z, x, y): a cyclic permutation."""
STROKEAVATAR_SEGMENT_FRAME = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
"""Columns: a StrokeAvatar segment's forward (+z), left (+x) and up (+y) axes in its own coordinates (the
reader's right-handed, y-up frame; calibration pose = identity). Checked on the clips: the knee moves along
+z in hip flexion (up to 0.36 of the thigh length ahead, 0.14 behind, in the patients)."""
STROKEAVATAR_UNMIRROR = np.diag([-1.0, 1.0, 1.0])
"""Undoes the reader's Unity x-mirror (:mod:`rl_gait.ingest.formats.strokeavatar`) for frontal angles: ``M·R·M``.
The mirror leaves flexion unchanged but swaps left and right, and the frontal angles of the 44 healthy IMU clips
say the stored quaternions are right-handed already: with it, the hip was most adducted in swing (~65 % of the
cycle) and most abducted at 20 % (loading response), and the pelvis' left side was highest at right loading
response; without it all three peak where healthy gait has them (hip adduction peak in loading response,
abduction in initial swing, the swing side's pelvis dropping, Perry & Burnfield 2010). Pelvic tilt is the same
either way."""


def strokeavatar_segment_to_world(quat_wxyz: np.ndarray) -> np.ndarray:
    """``[..., 3, 3]`` segment → world rotations (z-up world; columns: the segment's forward, left, up axes) of
    StrokeAvatar segment quaternions ``[..., 4]`` as the reader returns them (:attr:`StrokeAvatarClip.segment_quat_wxyz`)."""
    return Y_UP_TO_Z_UP @ STROKEAVATAR_UNMIRROR @ quat_to_matrix(quat_wxyz) @ STROKEAVATAR_UNMIRROR @ STROKEAVATAR_SEGMENT_FRAME


def segment_roll_rad(segment_to_world: np.ndarray) -> np.ndarray:
    """Roll of a segment about its own forward axis (left side up positive), rad: the ZYX roll
    ``atan2(R[2, 1], R[2, 2])`` of rotation matrices ``[..., 3, 3]`` in a z-up world (heading-free)."""
    r = np.asarray(segment_to_world, dtype=np.float64)
    return np.arctan2(r[..., 2, 1], r[..., 2, 2])


def pelvic_obliquity_tilt_rad(pelvis_to_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pelvic obliquity (left side up positive) and tilt (anterior positive), rad, from pelvis rotation
    matrices ``[..., 3, 3]`` (columns: the pelvis' forward, left, up axes in a z-up world)."""
    r = np.asarray(pelvis_to_world, dtype=np.float64)
    return segment_roll_rad(r), np.arcsin(np.clip(-r[..., 2, 0], -1.0, 1.0))


def hip_adduction_from_rolls_rad(thigh_roll_rad: np.ndarray, pelvis_roll_rad: np.ndarray, side: str) -> np.ndarray:
    """Heading-free hip adduction (rad, adduction positive): the thigh's roll relative to the pelvis', mirrored
    for the left side — ``θ_thigh − θ_pelvis`` (right), ``θ_pelvis − θ_thigh`` (left). A right thigh rolled left
    side up (its knee toward +y, the midline) is adducted; a pelvis whose left side rises abducts the right hip."""
    if side not in ("r", "l"):
        raise ValueError(f"side must be 'r' or 'l', got {side!r}")
    d = np.asarray(thigh_roll_rad, dtype=np.float64) - np.asarray(pelvis_roll_rad, dtype=np.float64)
    return d if side == "r" else -d


def segment_frame_from_axes(long_axis: np.ndarray, flexion_axis: np.ndarray) -> np.ndarray:
    """``[3, 3]`` columns: the segment's forward, left and up axes in sensor coordinates, from its long (up) axis
    and its flexion axis (:class:`rl_gait.ingest.alignment.SegmentAxes`: a positive rotation about it moves the
    distal end forward, so it points to the segment's right: left = −flexion axis, made ⟂ to the long axis)."""
    up = np.asarray(long_axis, dtype=np.float64)
    up = up / np.linalg.norm(up)
    left = -np.asarray(flexion_axis, dtype=np.float64)
    left = left - (left @ up) * up
    left = left / np.linalg.norm(left)
    return np.stack([np.cross(left, up), left, up], axis=1)


def frontal_angles_rad(segment_to_world: dict[str, np.ndarray], common_heading: bool) -> dict[str, np.ndarray]:
    """The angles of :data:`FRONTAL_NAMES` that the segments given allow (``{name: [T]}``, rad), from segment
    rotation matrices ``{segment: [T, 3, 3]}`` in a z-up world (``"pelvis"``, ``"thigh_r"``, ``"thigh_l"``).

    ``common_heading``: the segments' orientations share one world heading (a fused suit, motion capture),
    so the hip uses the exact :func:`hip_adduction_rad`; otherwise the heading-free
    :func:`hip_adduction_from_rolls_rad`."""
    out: dict[str, np.ndarray] = {}
    pelvis = segment_to_world.get("pelvis")
    if pelvis is None:
        return out
    out["pelvic_obliquity"], out["pelvic_tilt"] = pelvic_obliquity_tilt_rad(pelvis)
    for side in ("r", "l"):
        thigh = segment_to_world.get(f"thigh_{side}")
        if thigh is None:
            continue
        out[f"hip_adduction_{side}"] = (hip_adduction_rad(pelvis, thigh, side) if common_heading else
                                        hip_adduction_from_rolls_rad(segment_roll_rad(thigh),
                                                                     out["pelvic_obliquity"], side))
    return out


def hip_adduction_rad(pelvis_to_world: np.ndarray, thigh_to_world: np.ndarray, side: str) -> np.ndarray:
    """Hip ab/adduction (adduction positive, rad) of ``side`` (``"r"`` / ``"l"``) from pelvis and thigh rotation
    matrices ``[..., 3, 3]`` in one world frame; the thigh's long axis is its z axis (pointing up the thigh)."""
    if side not in ("r", "l"):
        raise ValueError(f"side must be 'r' or 'l', got {side!r}")
    p = np.asarray(pelvis_to_world, dtype=np.float64)
    down_world = -np.asarray(thigh_to_world, dtype=np.float64)[..., :, 2]  # knee direction from the hip
    d = np.einsum("...ji,...j->...i", p, down_world)  # in pelvis coordinates: Pᵀ · v
    medial = d[..., 1] if side == "r" else -d[..., 1]
    return np.arcsin(np.clip(medial / np.linalg.norm(d, axis=-1), -1.0, 1.0))


def range_deg(angle_rad: np.ndarray) -> float:
    """Range (max − min) of an angle curve, degrees (nan for an empty curve)."""
    a = np.asarray(angle_rad, dtype=np.float64)
    return float(np.degrees(a.max() - a.min())) if a.size else float("nan")
