"""Stride length from a foot-worn IMU: zero-velocity detection + a Kalman filter with an RTS smoother.

A foot is still on the ground once per stride. Integrating its gravity-free acceleration in the world
frame gives its velocity and position, drifting within a stride; at every still period the velocity is
known to be zero (a zero-velocity update, ZUPT; Foxlin 2005, Skog et al. 2010). Per world axis the state
is ``[position, velocity, acceleration bias]`` (m, m/s, m/s²):

    x_k+1 = F x_k + G a_k + w_k,   F = [[1, dt, −dt²/2], [0, 1, −dt], [0, 0, 1]],   G = [dt²/2, dt, 0]
    Q = σ_a² · [[dt⁴/4, dt³/2, 0], [dt³/2, dt², 0], [0, 0, 0]] + σ_b² dt · e₃e₃ᵀ
    ZUPT: z = 0 = [0, 1, 0] x + v,  v ~ N(0, σ_z²)

The Rauch–Tung–Striebel smoother then runs backwards, so the velocity error found at the end of a
stride is spread over the whole stride (what a forward filter alone cannot do). The three axes share F,
Q, H and R, so they share one covariance sequence: the filter runs on ``[3, T]`` states with 3×3
covariances. The bias state absorbs gravity leaking through a small tilt error of the orientation.

On a treadmill the foot is still relative to the belt, not to the room: the belt is an inertial frame
moving at constant speed, so the same integration gives the stride relative to the belt, which equals belt
speed × stride time. Stride length is the horizontal distance between the positions of consecutive
still periods of the same foot.

Why not ``gaitmap`` (MIT; it has a ZUPT + RTS Kalman): ``pip install gaitmap`` (2.6.0) into the project
environment would downgrade numpy 2.4 → 2.0.2 and bring numba, pandas, scikit-learn and tpcp — too much
for one filter of ~60 lines, against the pinned numpy of the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from rl_gait.ingest.orientation import rotation_from_wxyz

G_M_S2 = 9.80665


@dataclass(frozen=True)
class ZuptParams:
    """Zero-velocity detector and filter settings.

    Attributes:
        window_s: moving-average window of the detector's angular speed and specific-force norm.
        gyr_threshold_rad_s: still when the smoothed angular speed is below this (≈ 40 °/s, between the
            foot-flat level ≲ 0.5 rad/s and swing ≳ 3 rad/s)...
        acc_tolerance_m_s2: ... and the smoothed specific-force norm within this of gravity.
        min_still_s: still runs shorter than this are ignored.
        acc_noise_m_s2: σ_a, white acceleration noise (sensor noise + orientation error).
        bias_walk_m_s2_sqrt_s: σ_b, random walk of the acceleration bias.
        zupt_noise_m_s: σ_z, the foot's residual velocity while "still" (heel-to-toe roll).
    """

    window_s: float = 0.1
    gyr_threshold_rad_s: float = 0.7
    acc_tolerance_m_s2: float = 2.0
    min_still_s: float = 0.05
    acc_noise_m_s2: float = 0.5
    bias_walk_m_s2_sqrt_s: float = 0.05
    zupt_noise_m_s: float = 0.02


@dataclass(frozen=True)
class FootTrajectory:
    """The smoothed trajectory of one foot sensor.

    Attributes:
        position_m: ``[T, 3]`` world position (x, y horizontal, z up), m, from the first sample.
        velocity_m_s: ``[T, 3]`` world velocity, m/s.
        still: ``[T]`` bool, the zero-velocity samples used.
        still_runs: ``[(start, stop), ...]`` half-open index runs of ``still``.
    """

    position_m: np.ndarray
    velocity_m_s: np.ndarray
    still: np.ndarray
    still_runs: list[tuple[int, int]]


def free_acceleration_world(acc_m_s2: np.ndarray, quat_wxyz: np.ndarray) -> np.ndarray:
    """``[T, 3]`` gravity-free acceleration in the world frame (z up): ``R(q)·f − (0, 0, g)`` from the
    ``[T, 3]`` specific force ``f`` in the sensor frame and the ``[T, 4]`` sensor→world quaternion."""
    return rotation_from_wxyz(quat_wxyz).apply(acc_m_s2) - np.array([0.0, 0.0, G_M_S2])


def still_mask(acc_m_s2: np.ndarray, gyr_rad_s: np.ndarray, sample_rate_hz: float,
               params: ZuptParams = ZuptParams()) -> np.ndarray:
    """``[T]`` bool: samples where the foot is still (see :class:`ZuptParams`); runs shorter than
    ``min_still_s`` are dropped."""
    win = max(1, int(round(params.window_s * sample_rate_hz)))
    w = uniform_filter1d(np.linalg.norm(gyr_rad_s, axis=1), win)
    a = uniform_filter1d(np.linalg.norm(acc_m_s2, axis=1), win)
    still = (w < params.gyr_threshold_rad_s) & (np.abs(a - G_M_S2) < params.acc_tolerance_m_s2)
    min_len = max(1, int(round(params.min_still_s * sample_rate_hz)))
    for a0, b0 in _runs(still):
        if b0 - a0 < min_len:
            still[a0:b0] = False
    return still


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate([[0], np.asarray(mask, np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def zupt_smoother(acc_world_m_s2: np.ndarray, still: np.ndarray, sample_rate_hz: float,
                  params: ZuptParams = ZuptParams()) -> tuple[np.ndarray, np.ndarray]:
    """``(position [T, 3] m, velocity [T, 3] m/s)``: the Kalman filter + RTS smoother of the module
    docstring on the ``[T, 3]`` world free acceleration, with zero-velocity updates where ``still``.
    Starts at rest at the origin (position variance 0, velocity variance σ_z²)."""
    a = np.asarray(acc_world_m_s2, float)
    n = len(a)
    dt = 1.0 / sample_rate_hz
    f = np.array([[1.0, dt, -0.5 * dt * dt], [0.0, 1.0, -dt], [0.0, 0.0, 1.0]])
    g = np.array([0.5 * dt * dt, dt, 0.0])
    q = params.acc_noise_m_s2 ** 2 * np.array([[dt ** 4 / 4, dt ** 3 / 2, 0], [dt ** 3 / 2, dt ** 2, 0], [0, 0, 0]])
    q[2, 2] = params.bias_walk_m_s2_sqrt_s ** 2 * dt
    r = params.zupt_noise_m_s ** 2
    xs_f = np.zeros((n, 3, 3))  # [T, state, axis] filtered
    ps_f = np.zeros((n, 3, 3))
    xs_p = np.zeros((n, 3, 3))  # predicted
    ps_p = np.zeros((n, 3, 3))
    x = np.zeros((3, 3))
    p = np.diag([0.0, r, 0.1 ** 2])
    for k in range(n):
        if k:
            x = f @ x + np.outer(g, a[k - 1])
            p = f @ p @ f.T + q
        xs_p[k], ps_p[k] = x, p
        if still[k]:  # H = [0, 1, 0]
            s = p[1, 1] + r
            gain = p[:, 1] / s
            x = x - np.outer(gain, x[1])
            p = p - np.outer(gain, p[1, :])
        xs_f[k], ps_f[k] = x, p
    # RTS gains C_k = P_k|k Fᵀ P_k+1|k⁻¹ (all at once: P_k+1|k is symmetric positive definite)
    gains = np.linalg.solve(ps_p[1:], np.swapaxes(ps_f[:-1] @ f.T, 1, 2)).swapaxes(1, 2) if n > 1 else ps_p[:0]
    xs = xs_f.copy()
    for k in range(n - 2, -1, -1):
        xs[k] = xs_f[k] + gains[k] @ (xs[k + 1] - xs_p[k + 1])
    return xs[:, 0, :], xs[:, 1, :]


def foot_trajectory(acc_m_s2: np.ndarray, gyr_rad_s: np.ndarray, quat_wxyz: np.ndarray, sample_rate_hz: float,
                    params: ZuptParams = ZuptParams()) -> FootTrajectory:
    """Detector + smoother on one foot sensor's ``[T, 3]`` specific force (m/s², sensor frame), ``[T, 3]``
    angular velocity (rad/s) and ``[T, 4]`` sensor→world orientation."""
    still = still_mask(acc_m_s2, gyr_rad_s, sample_rate_hz, params)
    pos, vel = zupt_smoother(free_acceleration_world(acc_m_s2, quat_wxyz), still, sample_rate_hz, params)
    return FootTrajectory(position_m=pos, velocity_m_s=vel, still=still, still_runs=_runs(still))


def stride_lengths_m(traj: FootTrajectory, strides_s: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """``[n]`` horizontal stride length (m) of each ``[n, 2]`` (start, end) IC-to-IC stride: the distance
    between the foot's mean positions over the first still run starting after each of the two contacts
    and before the next stride's end (NaN where a contact has no still run: the foot never settled)."""
    runs = traj.still_runs
    starts = np.array([a for a, _ in runs], float) / sample_rate_hz
    period = float(np.median(np.diff(strides_s, axis=1))) if len(strides_s) else 0.0

    def settle(t_ic: float) -> np.ndarray | None:
        k = np.flatnonzero((starts >= t_ic - 0.05 * period) & (starts < t_ic + 0.8 * period))
        if not k.size:
            return None
        a, b = runs[int(k[0])]
        return traj.position_m[a:b, :2].mean(axis=0)

    out = np.full(len(strides_s), np.nan)
    for i, (t0, t1) in enumerate(strides_s):
        p0, p1 = settle(t0), settle(t1)
        if p0 is not None and p1 is not None:
            out[i] = float(np.linalg.norm(p1 - p0))
    return out


def still_run_displacements_m(position_m: np.ndarray, still_runs: list[tuple[int, int]]) -> np.ndarray:
    """``[n − 1]`` horizontal distance between the mean ``[T, ≥2]`` positions (x, y first) over consecutive
    still runs: the foot's steps from still period to still period (for any position source: the ZUPT
    trajectory, or a reference such as a motion-capture ankle over the same runs)."""
    p = [np.nanmean(np.asarray(position_m)[a:b, :2], axis=0) for a, b in still_runs]
    return np.array([float(np.linalg.norm(p[i + 1] - p[i])) for i in range(len(p) - 1)])
