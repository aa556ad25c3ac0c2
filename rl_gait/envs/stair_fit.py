"""The smallest smooth change of a stair reference's joint angles that puts its feet on the treads of this body.

A stair reference is a level pattern plus literature stair deviations (:func:`rl_gait.atlas.priors.task_deviation`,
patients: :mod:`rl_gait.reference.patient`). Replayed on the planar body its feet do not fit the stairs: on the
healthy atlas references at their own initial contacts the feet are 41–67 cm apart (heel to heel) where the
treads are 30 cm deep, and going up the leading foot is 17–27 cm higher on 8–20 cm risers
(``docs/atlas_training.md``). A
policy tracking it is rewarded for a step that cannot land on the next tread. ``WalkEnv(stair_fit=True)`` tracks
the fitted reference instead (on by default since the shipped atlas policy is trained on it; ``stair_fit=False`` is
what older policies saw, :data:`rl_gait.envs.config.FIELDS_BEFORE_RECORDED`).

The fit adds to each leg's hip, knee and ankle a periodic correction with :data:`N_HARMONICS` harmonics of
that leg's own phase, the one of least mean square size in units of the reference's between-stride SD, such
that at each initial contact the landing toe is where the reference's strategy puts it relative to the other toe
(:meth:`rl_gait.reference.ReferenceMotion.contact_placements_m`; step-over-step: one tread ahead, its lowest point
one riser above (up) or below (down) the other foot's; step-to: that for the leading leg, beside it for the
trailing leg): four equations, solved exactly
by a least-norm Gauss-Newton iteration; what is left is returned (the env keeps it as
``ReferenceTables.stair_fit_residuals_m``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

N_HARMONICS = 2
"""Harmonics of the per-joint correction (5 coefficients per joint)."""
PLACEMENT_TOL_M = 1e-4
"""The fit stops when every placement residual is below this (m)."""
SOFT_MIN_M = 0.001
"""Temperature of the smooth minimum over heel and toe (m): at most 0.7 mm below the lower point (flat foot)."""
MAX_ITERATIONS = 20
FD_STEP = 1e-6
"""Finite-difference step of the placement Jacobian (whitened units, ~1e-6 SD)."""
MIN_SD_RAD = np.radians(2.0)
"""Floor of the per-joint SD that scales the corrections (rad)."""


def fourier_basis(phase: np.ndarray, n_harmonics: int = N_HARMONICS) -> np.ndarray:
    """``[P, 2n+1]`` periodic basis at ``phase`` (cycles): ``1, cos 2πkφ, sin 2πkφ`` for k = 1…n."""
    w = 2.0 * np.pi * np.asarray(phase, dtype=np.float64)[:, None] * np.arange(1, n_harmonics + 1)
    return np.concatenate([np.ones((w.shape[0], 1)), np.cos(w), np.sin(w)], axis=1)


def fourier_basis_rate(phase: np.ndarray, n_harmonics: int = N_HARMONICS) -> np.ndarray:
    """``[P, 2n+1]`` d/dφ of :func:`fourier_basis` (per cycle)."""
    k = 2.0 * np.pi * np.arange(1, n_harmonics + 1)
    w = np.asarray(phase, dtype=np.float64)[:, None] * k
    return np.concatenate([np.zeros((w.shape[0], 1)), -k * np.sin(w), k * np.cos(w)], axis=1)


def mean_square_weights(n_harmonics: int = N_HARMONICS) -> np.ndarray:
    """``[2n+1]``: the cycle mean of ``(B c)²`` is ``Σ weights · c²`` (Parseval: 1 for the constant, ½ else)."""
    return np.r_[1.0, np.full(2 * n_harmonics, 0.5)]


def placement_residuals_m(points_xz_m: np.ndarray, pitch_rad: float, depth_m: float, rise_m: float) -> np.ndarray:
    """``[2]`` m: (leading toe x − trailing toe x − ``depth_m``, leading lowest z − trailing lowest z − ``rise_m``)
    (the "leading" foot is the one landing; a step-to trailing foot lands with ``depth_m = rise_m = 0``).

    The lowest point is a smooth minimum over heel and toe (:data:`SOFT_MIN_M`; the plain minimum has a kink at a
    flat foot, where a stair landing sits).

    Args:
        points_xz_m: ``[2, 2, 2]`` (foot leading/trailing, heel/toe, (x, z)) contact-point centres relative to the
            hip with the trunk upright (m).
        pitch_rad: trunk pitch (forward lean positive: the legs rotate backward with it).
        rise_m: signed riser height, positive when the leading foot is higher (stairs up).
    """
    c, s = np.cos(pitch_rad), np.sin(pitch_rad)
    toe_x = points_xz_m[:, 1, 0] * c + points_xz_m[:, 1, 1] * s
    low = soft_lowest_z_m(points_xz_m, pitch_rad)
    return np.array([toe_x[0] - toe_x[1] - depth_m, low[0] - low[1] - rise_m])


def soft_lowest_z_m(points_xz_m: np.ndarray, pitch_rad: float) -> np.ndarray:
    """``[2]`` m: each foot's lowest point (a smooth minimum over its contact points, :data:`SOFT_MIN_M`) in the
    world's vertical, from ``points_xz_m`` ``[2 feet, K points (heel, toe …), 2 (x, z)]`` relative to the hip with the
    trunk upright and the trunk pitched by ``pitch_rad`` (forward lean positive)."""
    c, s = np.cos(pitch_rad), np.sin(pitch_rad)
    z = -points_xz_m[..., 0] * s + points_xz_m[..., 1] * c  # [2 feet, K points]
    return -SOFT_MIN_M * np.logaddexp.reduce(-z / SOFT_MIN_M, axis=-1)


def fit_stair_corrections(
    contact_points: Callable[[np.ndarray], np.ndarray],
    q_rad: np.ndarray,
    sd_rad: np.ndarray,
    left_contact_phase: float,
    pitch_rad: float,
    placements_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the corrections; returns ``(coef [2, 2n+1, 3], residuals_m [2, 2])``.

    Args:
        contact_points: ``q [6] → [2 feet r/l, 2 heel/toe, 2 (x, z)]`` forward kinematics of this body (m, relative
            to the hip, trunk upright), joints in :data:`rl_gait.joints.JOINT_NAMES` order.
        q_rad: ``[P, 6]`` the reference's joint angles on the right cycle's phase grid ``k / P``.
        sd_rad: ``[6]`` per-joint scale of the corrections (rad), floored at :data:`MIN_SD_RAD`.
        left_contact_phase: left initial contact within the right cycle (cycles).
        pitch_rad: the trunk pitch the env asks for.
        placements_m: ``[2 contacts r/l, 2 (forward, up)]`` where each initial contact puts the landing foot
            relative to the other (m; :meth:`rl_gait.reference.ReferenceMotion.contact_placements_m`).

    ``coef[s]`` is side s's (r, l) correction of (hip, knee, ankle) as a function of that side's own phase;
    ``residuals_m[i]`` the placement residuals (:func:`placement_residuals_m`) after the fit at the right (0) and
    left (1) initial contact.
    """
    n_phase = q_rad.shape[0]
    i_ic = (0, int(round(left_contact_phase * n_phase)) % n_phase)
    own_phase = ((0.0, -left_contact_phase), (left_contact_phase, 0.0))  # [IC r/l][side r/l]: each side's own phase
    basis = [[fourier_basis(np.array([own_phase[i][s] % 1.0]))[0] for s in range(2)] for i in range(2)]
    n_coef = 2 * N_HARMONICS + 1
    # whitened unknowns u: coef = u · unwhiten, so that |u|² = Σ cycle-mean (correction / SD)²
    sd = np.maximum(np.asarray(sd_rad, dtype=np.float64), MIN_SD_RAD).reshape(2, 1, 3)
    unwhiten = sd / np.sqrt(mean_square_weights())[None, :, None]  # [2, n_coef, 3]

    def placement(u: np.ndarray) -> np.ndarray:  # [4] m
        coef = u.reshape(2, n_coef, 3) * unwhiten
        out = []
        for i in range(2):  # right IC: right leads; left IC: left leads
            q = np.concatenate([q_rad[i_ic[i], 3 * s:3 * s + 3] + basis[i][s] @ coef[s] for s in range(2)])
            pts = contact_points(q)
            out.append(placement_residuals_m(pts if i == 0 else pts[::-1], pitch_rad, *placements_m[i]))
        return np.concatenate(out)

    u = np.zeros(2 * n_coef * 3)
    g = placement(u)
    for _ in range(MAX_ITERATIONS):  # Gauss-Newton on the least-norm problem: min |u|² s.t. placement(u) = 0
        if np.max(np.abs(g)) < PLACEMENT_TOL_M:
            break
        jac = np.stack([(placement(u + FD_STEP * e) - g) / FD_STEP for e in np.eye(u.size)], axis=1)  # [4, U]
        step = jac.T @ np.linalg.lstsq(jac @ jac.T, jac @ u - g, rcond=None)[0] - u
        for alpha in 0.5 ** np.arange(6):  # backtrack: the lowest point can switch between heel and toe
            g_new = placement(u + alpha * step)
            if np.sum(g_new**2) < np.sum(g**2):
                break
        u, g = u + alpha * step, g_new
    return u.reshape(2, n_coef, 3) * unwhiten, g.reshape(2, 2)


def corrections_on_grid(coef: np.ndarray, phase: np.ndarray, left_contact_phase: float,
                        cycle_duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``(dq [P, 6] rad, dqd [P, 6] rad/s)``: the fitted corrections ``coef`` ``[2 sides, 2n+1, 3]`` (any number
    of harmonics n) at right-cycle ``phase``, both sides."""
    n = (coef.shape[1] - 1) // 2
    dq, dqd = [], []
    for s, shift in enumerate((0.0, left_contact_phase)):
        own = (np.asarray(phase) - shift) % 1.0
        dq.append(fourier_basis(own, n) @ coef[s])
        dqd.append(fourier_basis_rate(own, n) @ coef[s] / cycle_duration_s)
    return np.concatenate(dq, axis=1), np.concatenate(dqd, axis=1)
