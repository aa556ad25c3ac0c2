"""Pure gait metrics of one recorded rollout (arrays in, floats out; units in the names).

Contacts are boolean ``[T, 2]`` (right, left) per control step of ``dt_s`` seconds, in stance or not: a
rollout's :attr:`~rl_gait.predict.rollouts.RolloutRecord.stance` (raw simulator contacts bounce at
touch-down; :func:`rl_gait.metrics.fidelity.stance_mask`). An initial contact (IC) is a False → True
transition (:func:`rl_gait.metrics.fidelity.initial_contact_indices`).
"""

from __future__ import annotations

import math

import numpy as np

from rl_gait.metrics import fidelity as F


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (default 95 %) of a binomial proportion ``successes / n``.

    ``centre = (p + z²/2n) / (1 + z²/n)``, ``half = z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n)``.
    ``n = 0`` gives ``(0, 1)``.
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def cadence_steps_per_min(contact: np.ndarray, dt_s: float) -> float:
    """Steps per minute from the strides of both feet (IC to the next IC of the same foot):
    ``120 / mean stride time`` (two steps per stride); nan without a complete stride. A foot whose
    touch-downs the other foot's do not match (a paretic foot that shuffles) does not halve or double it."""
    strides = np.concatenate([np.diff(F.initial_contact_indices(contact[:, s])) for s in range(contact.shape[1])])
    if strides.size == 0:
        return math.nan
    return 120.0 / (float(np.mean(strides)) * dt_s)


def step_lengths_m(contact: np.ndarray, foot_x_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step lengths (m) per side: at each IC of a foot, its forward position minus the other foot's.
    ``foot_x_m`` is ``[T, 2]``. Returns ``(right [n_r], left [n_l])``."""
    out = []
    for s in range(2):
        ic = F.initial_contact_indices(contact[:, s])
        out.append(np.asarray([foot_x_m[i, s] - foot_x_m[i, 1 - s] for i in ic], float))
    return out[0], out[1]


def stance_pct_per_side(contact: np.ndarray) -> tuple[float, float]:
    """Stance % of the gait cycle per side (nan with < 2 ICs on that side)."""
    vals = []
    for s in range(2):
        ic = F.initial_contact_indices(contact[:, s])
        vals.append(F.stance_pct(contact[:, s], ic) if ic.size >= 2 else math.nan)
    return vals[0], vals[1]


def min_toe_clearance_m(toe_clearance_m: np.ndarray, contact: np.ndarray) -> float:
    """Minimum toe clearance (m) over both feet: for every complete swing (a run of no contact that
    starts after and ends before a contact), the minimum toe height above the ground in the middle half
    of that swing (where the clinical MTC lies); then the minimum over swings. ``toe_clearance_m`` is
    ``[T, 2]``. nan without complete swings."""
    vals = []
    n = len(contact)
    for s in range(2):
        for a, b in F.true_runs(~contact[:, s]):
            if a == 0 or b == n or b - a < 4:
                continue
            q = (b - a) // 4
            vals.append(float(np.min(toe_clearance_m[a + q:b - q, s])))
    return float(min(vals)) if vals else math.nan


ON_TREAD_TOLERANCE_M = 0.01  # a toe in contact within 1 cm of a nosing's height stands on its tread (soft contacts sink mm)


def edge_clearances_m(toe_x_m: np.ndarray, toe_z_m: np.ndarray, edges_x_m: np.ndarray, edges_z_m: np.ndarray,
                      contact: np.ndarray | None = None) -> np.ndarray:
    """Toe clearance over each stair edge (m): for every edge, over both feet and every forward
    crossing of the edge (toe x goes from ``< x_e`` to ``>= x_e`` between two steps), the toe's lowest
    point linearly interpolated at ``x_e`` minus the edge's height; the minimum per edge. A crossing by
    a foot standing on the edge's own tread (in ``contact`` at the first step with its toe within
    :data:`ON_TREAD_TOLERANCE_M` of the edge's height: rolling off a nosing going down) is not a
    clearance and is skipped; a toe in contact well below the edge is on the riser and counts.
    ``toe_x_m``/``toe_z_m`` are ``[T, 2]``; ``contact`` ``[T, 2]`` bool (``None``: every crossing counts);
    edges ``[E]``. Edges never crossed are nan. Negative = the toe hit the riser below the edge (in the
    simulator: the toe pressed a few centimetres into the riser's box)."""
    out = np.full(len(edges_x_m), np.nan)
    for e, (xe, ze) in enumerate(zip(edges_x_m, edges_z_m, strict=True)):
        for s in range(2):
            x, z = toe_x_m[:, s], toe_z_m[:, s]
            crossing = (x[:-1] < xe) & (x[1:] >= xe)
            if contact is not None:
                crossing &= ~(np.asarray(contact[:-1, s], bool) & (z[:-1] >= ze - ON_TREAD_TOLERANCE_M))
            for i in np.flatnonzero(crossing):
                w = (xe - x[i]) / (x[i + 1] - x[i])
                c = float((1 - w) * z[i] + w * z[i + 1] - ze)
                out[e] = c if np.isnan(out[e]) else min(out[e], c)
    return out


def trunk_sway_deg(trunk_pitch_rad: np.ndarray) -> float:
    """Trunk sway: SD of the trunk pitch over the rollout, degrees."""
    p = np.asarray(trunk_pitch_rad, float)
    return float(np.degrees(np.std(p))) if p.size else math.nan


def peak_deg(angles_rad: np.ndarray) -> np.ndarray:
    """Peak (maximum) of each column of ``[T, J]`` angles, degrees ``[J]`` (flexion/dorsiflexion)."""
    return np.degrees(np.max(angles_rad, axis=0))


def peak_abs(values: np.ndarray) -> np.ndarray:
    """Peak absolute value of each column of ``[T, J]`` (e.g. joint torques in N·m) ``[J]``."""
    return np.max(np.abs(values), axis=0)


def walking_speed_m_s(distance_m: float, duration_s: float) -> float:
    """Average speed along the path: distance / duration (nan for zero duration)."""
    return distance_m / duration_s if duration_s > 0 else math.nan


def speed_ratio(v_m_s: float | None, v_level_m_s: float | None) -> float:
    """Speed on a task over the level-walk speed (both m/s); nan when either is missing or the level speed is not
    positive."""
    if v_m_s is None or v_level_m_s is None or not (np.isfinite(v_m_s) and np.isfinite(v_level_m_s)) \
            or v_level_m_s <= 0:
        return math.nan
    return float(v_m_s) / float(v_level_m_s)


def fall_phase_pct(phase_at_fall: float) -> float:
    """Gait-cycle phase of a fall, % (phase 0 = right initial contact of the reference cycle)."""
    return 100.0 * (phase_at_fall % 1.0)


