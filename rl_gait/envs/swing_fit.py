"""The smallest smooth change of a level reference's joint angles that lifts each swing foot off the ground.

Replayed on the planar body (trunk upright, both legs on one hip axis), the references' swing feet go through the
floor: over the middle 60 % of each swing (:data:`SWING_WINDOW`) the swing foot's lowest point dips 2.2–6.1 cm
below the stance foot's on the four multi-clip StrokeAvatar patients (the paretic side for most of its swing)
and 3.8 cm on the healthy atlas reference (``docs/planar_vs_3d.md``, run 4). People
clear the ground with motion this body lacks — pelvic list and hiking, circumduction, a pelvis that rises and
falls — and the joint angles carry measurement offsets. A policy tracking such a reference is paid to drag the
swing foot; the simulated foot then touches down early and slides, and the twin's stance reads 78–92 % where the
patients' is 42–69 %.

``WalkEnv(swing_clearance_m=c)`` tracks the fitted reference instead: each leg's hip, knee and ankle get a periodic
correction with :data:`N_HARMONICS` harmonics of that leg's own phase, the one of least mean square size in units of
the reference's between-stride SD, such that over :data:`SWING_WINDOW` of each swing the swing foot's lowest point
is at least ``c`` above the stance foot's, while at both initial contacts the feet are placed exactly as the
reference places them (the step length and the foot heights there are kept). The 3D body (``Walk3DEnv``) fits the
same sagittal joints with the reference's frontal joints and pelvic obliquity in the pose. Solved by SLSQP
(:func:`scipy.optimize.minimize`) on :data:`N_SAMPLES_PER_SWING` phases per swing. A reference that already clears
is left unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from rl_gait.envs.stair_fit import MIN_SD_RAD, fourier_basis, mean_square_weights, soft_lowest_z_m

N_HARMONICS = 3
"""Harmonics of the per-joint correction (7 coefficients per joint): a mid-swing lift is narrower than a stair
placement's whole-cycle change."""
SWING_WINDOW = (0.2, 0.8)
"""Part of each swing (fractions of its duration from toe off) where the clearance is asked for: next to toe off
and initial contact a foot is near the ground by nature."""
N_SAMPLES_PER_SWING = 24
"""Phases per swing at which the clearance is constrained."""
MAX_ITERATIONS = 100


def swing_samples(stance_fraction: float, n_samples: int = N_SAMPLES_PER_SWING,
                  window: tuple[float, float] = SWING_WINDOW) -> np.ndarray:
    """``[n_samples]`` own-phases (cycles from this leg's initial contact) spread evenly over ``window`` of its
    swing, which runs from ``stance_fraction`` to 1."""
    rel = window[0] + (np.arange(n_samples) + 0.5) / n_samples * (window[1] - window[0])
    return stance_fraction + rel * (1.0 - stance_fraction)


def fit_swing_clearance(
    contact_points: Callable[[np.ndarray], np.ndarray],
    q_at: Callable[[np.ndarray], np.ndarray],
    sd_rad: np.ndarray,
    stance_fraction: tuple[float, float],
    left_contact_phase: float,
    pitch_rad: float,
    min_clearance_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the corrections; returns ``(coef [2, 2n+1, 3], clearance_before_m [2], clearance_after_m [2])``.

    Args:
        contact_points: ``q [D] → [2 feet r/l, K points, 2 (x, z)]`` forward kinematics of this body (m, relative
            to the hip, trunk upright); ``q``'s first 6 entries are the joints of :data:`rl_gait.joints.JOINT_NAMES`
            (the ones corrected), the rest whatever else the pose needs (the 3D body's frontal joints and pelvic
            obliquity), left as they are.
        q_at: right-cycle phases ``[N]`` (cycles) → the reference's pose ``[N, D]`` (rad).
        sd_rad: ``[6]`` per-joint scale of the corrections (rad), floored at ``MIN_SD_RAD``.
        stance_fraction: (right, left) stance share of each leg's cycle.
        left_contact_phase: left initial contact within the right cycle (cycles).
        pitch_rad: the trunk pitch the env asks for.
        min_clearance_m: the lowest point of the swing foot over :data:`SWING_WINDOW` at least this far above the
            stance foot's (m).

    ``coef[s]`` is side s's (r, l) correction of (hip, knee, ankle) as a function of that side's own phase (apply it
    with :func:`rl_gait.envs.stair_fit.corrections_on_grid`); the clearances are each side's smallest over its
    window before and after the fit.
    """
    shifts = (0.0, float(left_contact_phase))
    n_coef = 2 * N_HARMONICS + 1
    # constrained right-cycle phases: side k's swing samples, and both initial contacts
    rows = [(swing_samples(stance_fraction[k]) + shifts[k]) % 1.0 for k in range(2)]
    contacts = np.array([0.0, shifts[1] % 1.0])
    phases = np.concatenate([*rows, contacts])
    q0 = np.asarray(q_at(phases), dtype=np.float64)  # [N, D]
    own = np.stack([(phases - s) % 1.0 for s in shifts], axis=1)  # [N, 2] each side's own phase
    basis = [fourier_basis(own[:, s], N_HARMONICS) for s in range(2)]  # [N, n_coef] per side
    sd = np.maximum(np.asarray(sd_rad, dtype=np.float64), MIN_SD_RAD).reshape(2, 1, 3)
    unwhiten = sd / np.sqrt(mean_square_weights(N_HARMONICS))[None, :, None]  # |u|² = Σ cycle-mean (dq / SD)²
    n_rows = [len(r) for r in rows]

    last: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def lowest(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``([N, 2] lowest z per foot, [2 contacts, 2 feet] foot x (mean of its points) at the contacts)``; the
        last ``u``'s kept, since SLSQP evaluates the two constraints (and their finite differences) at the same
        points."""
        key = u.tobytes()
        if key not in last:
            last.clear()
            last[key] = _lowest(u)
        return last[key]

    def _lowest(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        coef = u.reshape(2, n_coef, 3) * unwhiten
        q = q0.copy()
        q[:, :6] += np.concatenate([basis[s] @ coef[s] for s in range(2)], axis=1)
        pts = [contact_points(qk) for qk in q]
        c, s_ = np.cos(pitch_rad), np.sin(pitch_rad)
        foot_x = np.array([(p[..., 0] * c + p[..., 1] * s_).mean(axis=1) for p in pts[-2:]])
        return np.array([soft_lowest_z_m(p, pitch_rad) for p in pts]), foot_x

    def clearances(low: np.ndarray) -> list[np.ndarray]:
        """Per side ``[n]`` m: the swing foot's lowest point above the stance foot's at its samples."""
        out, start = [], 0
        for k in range(2):
            block = low[start:start + n_rows[k]]
            out.append(block[:, k] - block[:, 1 - k])
            start += n_rows[k]
        return out

    def placements(low: np.ndarray, foot_x: np.ndarray) -> np.ndarray:
        """``[4]`` m: at the right and left contact, landing foot ahead of the other and above it."""
        lc = low[-2:]
        return np.array([foot_x[0, 0] - foot_x[0, 1], lc[0, 0] - lc[0, 1],
                         foot_x[1, 1] - foot_x[1, 0], lc[1, 1] - lc[1, 0]])

    u0 = np.zeros(2 * n_coef * 3)
    low0, foot_x0 = lowest(u0)
    before = np.array([b.min() for b in clearances(low0)])
    placed0 = placements(low0, foot_x0)
    if before.min() >= min_clearance_m:
        return u0.reshape(2, n_coef, 3) * unwhiten, before, before.copy()
    res = minimize(
        lambda u: float(u @ u), u0, jac=lambda u: 2.0 * u, method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda u: np.concatenate(clearances(lowest(u)[0])) - min_clearance_m},
                     {"type": "eq", "fun": lambda u: placements(*lowest(u)) - placed0}],
        options={"maxiter": MAX_ITERATIONS})
    after = np.array([a.min() for a in clearances(lowest(res.x)[0])])
    return res.x.reshape(2, n_coef, 3) * unwhiten, before, after


_CACHE: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
"""This process's swing fits by what determines them (every env of a runner tracks the same reference)."""


def fit_swing_clearance_cached(contact_points: Callable[[np.ndarray], np.ndarray],
                               q_at: Callable[[np.ndarray], np.ndarray], sd_rad: np.ndarray,
                               stance_fraction: tuple[float, float], left_contact_phase: float, pitch_rad: float,
                               min_clearance_m: float, model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`fit_swing_clearance`, computed once per process for the same reference pose (on a phase grid), gait
    events, SD, pitch, clearance and body (``model``: a ``mujoco.MjModel``, its geometry hashed)."""
    key = hashlib.sha256()
    for a in (q_at(np.arange(64) / 64.0), sd_rad, stance_fraction, left_contact_phase, pitch_rad, min_clearance_m,
              model.nq, model.body_pos, model.body_quat, model.geom_pos, model.geom_size, model.jnt_pos):
        key.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    digest = key.hexdigest()
    if digest not in _CACHE:
        _CACHE[digest] = fit_swing_clearance(contact_points, q_at, sd_rad, stance_fraction, left_contact_phase,
                                             pitch_rad, min_clearance_m)
    return _CACHE[digest]
