"""Frontal-plane kinematics from 3D segment orientations: pelvic obliquity and tilt, hip ab/adduction.

Conventions (world: x forward along the walk, y left, z up; a segment's frame: x forward, y left, z up
along the segment, as :mod:`rl_gait.body.body3d`):

- ``pelvic_obliquity``: rotation of the pelvis about the walking direction, **left side up positive**:
  ``asin`` of the vertical component of the pelvis' left (y) axis.
- ``pelvic_tilt``: rotation about the left axis, **anterior tilt positive** (the pelvis' forward axis points
  down): ``asin(−forward_z)``.
- ``hip_adduction_*``: the thigh's long axis against the pelvis, **adduction positive** on both sides (the
  knee toward the midline): ``asin(±d_y)`` with ``d`` the thigh's downward unit axis in pelvis coordinates,
  ``+`` for the right side (its midline is +y), ``−`` for the left. That is exactly the second angle of the
  flexion–adduction–rotation sequence of the 3D body's hip (:mod:`rl_gait.body.body3d`): a flexion about the
  pelvis' y axis leaves ``d_y`` unchanged, and the rotation about the thigh's own axis does not move it.

The pelvis' heading is removed before obliquity and tilt are measured (they are rotations about the
walking direction and the left axis, whatever way the subject faces), so one heading per sensor is not
needed — but the hip needs pelvis and thigh orientations in one common world frame (vendor quaternions, or
a 9-axis filter with magnetometer): see :func:`hip_adduction_rad`.

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


def pelvic_obliquity_tilt_rad(pelvis_to_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pelvic obliquity (left side up positive) and tilt (anterior positive), rad, from pelvis rotation
    matrices ``[..., 3, 3]`` (columns: the pelvis' forward, left, up axes in a z-up world)."""
    r = np.asarray(pelvis_to_world, dtype=np.float64)
    obliquity = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
    tilt = np.arcsin(np.clip(-r[..., 2, 0], -1.0, 1.0))
    return obliquity, tilt


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
