"""The trunk pitch at which a reference's joint angles are kinematically consistent on a body.

A reference's hip angles are measured against the pelvis. Optical hip angles (the healthy atlas) are
taken against a pelvis tilted forward by ~10–15°; IMU hip angles calibrated in quiet standing against a
pelvis at its standing tilt. The planar body has one head-arms-trunk segment whose pitch is the pelvis
tilt, so replaying a reference with that segment upright rotates both legs forward by the pelvis tilt:
on the healthy atlas reference the right heel is then 12.7 cm above the left foot at the reference's own
right heel strike (``docs/hybrid_vs_physics.md``). The consistent pitch puts both feet equally low
at the reference's initial contacts.
"""

from __future__ import annotations

import numpy as np

PITCH_GRID_RAD = np.radians(np.arange(-20.0, 35.0001, 0.1))
"""Candidate trunk pitches (rad, forward lean positive): −20° … +35° every 0.1°."""
CONTACT_WINDOW_CYCLES = 0.02
"""Phases this close to an initial contact count as both feet down."""


def lowest_point_heights_m(points_xz_m: np.ndarray, pitch_rad: float | np.ndarray) -> np.ndarray:
    """Heights (m) of each foot's lowest contact point relative to the hip for trunk pitch(es) ``pitch_rad``.

    Args:
        points_xz_m: ``[P, 2, K, 2]`` (phase, foot r/l, contact point, (x forward, z up)) positions in m of the
            feet's contact points relative to the hip with the trunk upright.
        pitch_rad: scalar or ``[G]`` trunk pitches (rad, forward lean positive: the legs rotate backward with it).

    Returns ``[P, 2]`` for a scalar pitch, ``[G, P, 2]`` for ``[G]`` pitches: ``min_K(−x·sin p + z·cos p)``.
    """
    p = np.asarray(pitch_rad, dtype=np.float64)[..., None, None, None]
    x, z = points_xz_m[..., 0], points_xz_m[..., 1]
    return (-x * np.sin(p) + z * np.cos(p)).min(axis=-1)


def near_contact(phase: np.ndarray, contact_phase: float) -> np.ndarray:
    """``[P]`` bool: ``phase`` (cycles) within :data:`CONTACT_WINDOW_CYCLES` of ``contact_phase``, across the
    cycle's wrap."""
    return np.abs((np.asarray(phase) - contact_phase + 0.5) % 1.0 - 0.5) <= CONTACT_WINDOW_CYCLES


def near_initial_contacts(phase: np.ndarray, left_contact_phase: float) -> np.ndarray:
    """``[P]`` bool: within :data:`CONTACT_WINDOW_CYCLES` of the reference's right (phase 0) or left
    (``left_contact_phase``) initial contact, where both feet are on the ground. (Not the whole double
    support: there a walker's pelvis also rotates and lists, which a planar body cannot, and fitting it
    moved the IMU patients' pitch away from the contacts by up to 8°.)"""
    return near_contact(phase, 0.0) | near_contact(phase, left_contact_phase)


def consistent_trunk_pitch_rad(points_xz_m: np.ndarray, down: np.ndarray, right_above_left_m: np.ndarray | float = 0.0
                               ) -> float:
    """The pitch of :data:`PITCH_GRID_RAD` that minimises the mean squared error (m²) of the right foot's lowest
    point above the left's against ``right_above_left_m`` (0 on level ground; on stairs ± the riser at the
    initial contacts) over the phases ``down`` (``[P]`` bool, :func:`near_initial_contacts`)."""
    h = lowest_point_heights_m(points_xz_m[down], PITCH_GRID_RAD)  # [G, P', 2]
    target = np.broadcast_to(np.asarray(right_above_left_m, dtype=np.float64), (int(np.count_nonzero(down)),))
    cost = np.mean((h[..., 0] - h[..., 1] - target) ** 2, axis=1)
    return float(PITCH_GRID_RAD[int(np.argmin(cost))])
