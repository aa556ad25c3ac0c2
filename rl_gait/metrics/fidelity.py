"""Fidelity metrics: how closely a simulated walk reproduces the measured (reference) walk.

Pure numpy functions, one purpose each, units and shapes in names and docstrings. They are used by
:func:`rl_gait.learner.evaluate` on seeded rollouts and are the raw material of the personalization
objective (Tune owns how they are weighted).

Conventions:

- Stride-normalised curves have :data:`rl_gait.joints.N_CURVE_POINTS` (101) samples at 0, 1, …, 100 %
  of the gait cycle; phase 0 is the right foot's initial contact (heel strike), as in
  :class:`rl_gait.reference.ReferenceMotion`.
- Angles are radians in the arrays; functions whose result is in degrees say so in their name.
- A "stride" is the interval between two consecutive initial contacts of the same foot.
"""

from __future__ import annotations

import numpy as np

from rl_gait.joints import N_CURVE_POINTS


# ----------------------------------------------------------------------------- gait events & strides
def initial_contact_indices(contact: np.ndarray) -> np.ndarray:
    """Sample indices where a foot touches down: rising edges of ``contact`` (``[T]`` bool).

    Index ``i`` is returned when ``contact[i]`` is true and ``contact[i-1]`` is false; a foot already
    in contact at sample 0 is not an initial contact (its touch-down was not observed). Pass a
    :func:`stance_mask`, not raw simulator contacts: a bouncing touch-down would count as several.
    """
    c = np.asarray(contact, dtype=bool)
    if c.ndim != 1:
        raise ValueError(f"contact must be [T], got shape {c.shape}")
    return np.flatnonzero(c[1:] & ~c[:-1]) + 1


MIN_SWING_S = 0.1
"""Shortest no-contact gap counted as a swing (s): a healthy or hemiparetic swing lasts 0.3–0.6 s, while a
simulated foot that bounces at touch-down leaves the ground for 2–4 control steps (30–65 ms)."""
MIN_STANCE_S = 0.1
"""Shortest contact counted as a stance (s): shorter touches inside a swing are the toe brushing the
ground, not a step."""


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` half-open index runs where ``mask`` (``[T]`` bool) is True."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(padded.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def stance_mask(contact: np.ndarray, dt_s: float, min_swing_s: float = MIN_SWING_S,
                min_stance_s: float = MIN_STANCE_S) -> np.ndarray:
    """Gait phases from raw per-step foot contacts: ``[T]`` or ``[T, F]`` bool (per foot) → the same
    shape, True in stance.

    Two passes per foot, in this order: a gap shorter than ``min_swing_s`` with contact on both sides is
    stance (the foot bounced at touch-down); then a contact shorter than ``min_stance_s`` with no contact
    on both sides is swing (the toe brushed the ground). Runs that touch the first or last sample were
    not seen whole and are kept. A run of ``n`` samples lasts ``n · dt_s``.
    """
    c = np.array(contact, dtype=bool, copy=True)
    if c.ndim == 2:
        return np.stack([stance_mask(c[:, f], dt_s, min_swing_s, min_stance_s) for f in range(c.shape[1])], axis=1)
    if c.ndim != 1:
        raise ValueError(f"contact must be [T] or [T, F], got shape {c.shape}")
    if dt_s <= 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    n = c.size
    for value, shortest_s in ((False, min_swing_s), (True, min_stance_s)):
        for a, b in true_runs(c == value):
            if a > 0 and b < n and (b - a) * dt_s < shortest_s:
                c[a:b] = not value
    return c


def phase_wrap_indices(phase_cycles: np.ndarray) -> np.ndarray:
    """Sample indices where a new cycle of the reference clock starts: ``phase_cycles`` (``[T]``, in
    [0, 1)) drops by more than half a cycle from the previous sample (…, 0.97, 0.01 → the index of 0.01)."""
    p = np.asarray(phase_cycles, dtype=np.float64)
    return np.flatnonzero(np.diff(p) < -0.5) + 1


def circular_mean_phase(phase_cycles: np.ndarray) -> float:
    """Mean of phases on the circle (cycles), in [-0.5, 0.5): 0.95 and 0.05 average to 0, not 0.5.
    ``nan`` for no phases or when they cancel out."""
    p = np.asarray(phase_cycles, dtype=np.float64)
    z = np.mean(np.exp(2j * np.pi * p)) if p.size else 0.0
    if abs(z) < 1e-12:
        return float("nan")
    return float((np.angle(z) / (2 * np.pi) + 0.5) % 1.0 - 0.5)


def stride_normalise(signal: np.ndarray, start: int, end: int, n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """Resample ``signal[start:end + 1]`` (``[T, ...]``) linearly onto ``n_points`` at 0…100 % of the stride.

    ``start`` and ``end`` are sample indices of two consecutive initial contacts; both end points are
    included, so the curve's 0 % is ``signal[start]`` and its 100 % is ``signal[end]``.
    """
    x = np.asarray(signal, dtype=np.float64)
    if not 0 <= start < end < x.shape[0]:
        raise ValueError(f"need 0 <= start < end < {x.shape[0]}, got start={start}, end={end}")
    seg = x[start : end + 1].reshape(end - start + 1, -1)
    t_src = np.linspace(0.0, 1.0, end - start + 1)
    t_dst = np.linspace(0.0, 1.0, n_points)
    out = np.stack([np.interp(t_dst, t_src, seg[:, k]) for k in range(seg.shape[1])], axis=1)
    return out.reshape((n_points, *x.shape[1:]))


def stride_curves(signal: np.ndarray, contacts_idx: np.ndarray, n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """All strides of ``signal`` (``[T, ...]``) between consecutive ``contacts_idx``: ``[S, n_points, ...]``.

    Returns an array with ``S = len(contacts_idx) - 1`` strides (``S = 0`` gives shape ``[0, n_points, ...]``).
    """
    x = np.asarray(signal, dtype=np.float64)
    idx = np.asarray(contacts_idx, dtype=int)
    curves = [stride_normalise(x, int(a), int(b), n_points) for a, b in zip(idx[:-1], idx[1:], strict=True)]
    if not curves:
        return np.zeros((0, n_points, *x.shape[1:]))
    return np.stack(curves)


# ----------------------------------------------------------------------------- curve agreement
def rmse(sim: np.ndarray, ref: np.ndarray, axis: int = 0) -> np.ndarray:
    """Root-mean-square difference along ``axis`` (same units as the inputs)."""
    d = np.asarray(sim, dtype=np.float64) - np.asarray(ref, dtype=np.float64)
    return np.sqrt(np.mean(d**2, axis=axis))


def rmse_deg(sim_rad: np.ndarray, ref_rad: np.ndarray, axis: int = 0) -> np.ndarray:
    """RMSE in degrees between two angle curves given in radians (e.g. ``[101, J]`` → ``[J]``)."""
    return np.rad2deg(rmse(sim_rad, ref_rad, axis=axis))


def pearson_r(sim: np.ndarray, ref: np.ndarray, axis: int = 0) -> np.ndarray:
    """Pearson correlation along ``axis``; ``nan`` where either curve is constant (shape has no meaning)."""
    a = np.asarray(sim, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    da = a - a.mean(axis=axis, keepdims=True)
    db = b - b.mean(axis=axis, keepdims=True)
    num = np.sum(da * db, axis=axis)
    den = np.sqrt(np.sum(da**2, axis=axis) * np.sum(db**2, axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-12, num / np.where(den > 1e-12, den, 1.0), np.nan)


def endpoint_error_cm(sim_foot_m: np.ndarray, ref_foot_m: np.ndarray) -> float:
    """Mean Euclidean distance (cm) between two foot trajectories relative to the pelvis.

    ``sim_foot_m`` and ``ref_foot_m``: ``[..., 2]`` (x forward, z up) in metres, e.g. ``[101, 2]``
    stride-normalised, or ``[101, 2, 2]`` for both feet (the distance is taken over the last axis).
    """
    d = np.asarray(sim_foot_m, dtype=np.float64) - np.asarray(ref_foot_m, dtype=np.float64)
    return float(np.mean(np.linalg.norm(d, axis=-1)) * 100.0)


def dtw_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Dynamic-time-warping distance between 1-D sequences ``x`` ``[N]`` and ``y`` ``[M]``.

    The accumulated cost ``D[N, M]`` of the cheapest monotone alignment with the local cost
    ``|x_i − y_j|`` and steps (1,0), (0,1), (1,1) — same units as the inputs. It is small when the
    two curves have the same shape even if one is shifted in time, where RMSE would be large.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    n, m = a.size, b.size
    if n == 0 or m == 0:
        raise ValueError("dtw_distance needs two non-empty sequences")
    cost = np.abs(a[:, None] - b[None, :])
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        row_prev = acc[i - 1]
        row = acc[i]
        for j in range(1, m + 1):
            row[j] = cost[i - 1, j - 1] + min(row_prev[j], row[j - 1], row_prev[j - 1])
    return float(acc[n, m])


# ----------------------------------------------------------------------------- spatio-temporal parameters
def cadence_steps_per_min(stride_time_s: float) -> float:
    """Cadence in steps per minute from the stride time (one stride = two steps)."""
    if stride_time_s <= 0:
        raise ValueError(f"stride_time_s must be > 0, got {stride_time_s}")
    return 120.0 / stride_time_s


def stance_pct(contact: np.ndarray, contacts_idx: np.ndarray) -> float:
    """Mean stance phase (% of the stride) of one foot over the strides between ``contacts_idx``.

    ``contact``: ``[T]`` bool of that foot; ``contacts_idx``: its initial contacts. Each stride counts
    the samples ``[start, end)`` in contact; ``nan`` when fewer than two contacts.
    """
    c = np.asarray(contact, dtype=bool)
    idx = np.asarray(contacts_idx, dtype=int)
    if idx.size < 2:
        return float("nan")
    per_stride = [100.0 * np.mean(c[a:b]) for a, b in zip(idx[:-1], idx[1:], strict=True)]
    return float(np.mean(per_stride))


def symmetry_index_pct(right: float, left: float) -> float:
    """Robinson symmetry index (%): ``100 · (R − L) / (0.5 · (R + L))``; 0 = symmetric, positive = right larger.

    NaN (undefined; written ``null`` in JSON) when either side is NaN/inf or ``R + L == 0``: the index is a
    ratio to the mean of the sides, and two zeros (no steps, a joint that does not move) or values of
    opposite sign that cancel carry no symmetry information — calling them "0 %, perfectly symmetric"
    would be a clinical statement the data do not support. The project's one definition, used by
    ingestion, the learner's evaluation and the predictions.
    """
    if not (np.isfinite(right) and np.isfinite(left)):
        return float("nan")
    mean = 0.5 * (right + left)
    if mean == 0:
        return float("nan")
    return float(100.0 * (right - left) / mean)


def fall_rate(fell: np.ndarray) -> float:
    """Fraction (0…1) of rollouts that ended in a fall. ``fell``: ``[n_rollouts]`` bool."""
    f = np.asarray(fell, dtype=bool)
    if f.size == 0:
        raise ValueError("fall_rate needs at least one rollout")
    return float(np.mean(f))


def relative_error_pct(sim: float, ref: float) -> float:
    """``100 · |sim − ref| / |ref|`` (``nan`` if ``ref`` is 0 or either value is ``nan``)."""
    if not np.isfinite(sim) or not np.isfinite(ref) or ref == 0:
        return float("nan")
    return 100.0 * abs(sim - ref) / abs(ref)


# ----------------------------------------------------------------------------- summary
def uncertainty_weights(estimate_sd_deg: np.ndarray, scale_deg: float = 5.0) -> np.ndarray:
    """``[J]`` weights ``1 / (1 + (σ / scale)²)`` of joints whose reference curve carries an estimation
    uncertainty ``σ`` (deg, RMS over the cycle; 0 for a measured joint → weight 1). ``scale`` is the error
    of a measured IMU angle (the objective's 5°): an estimated knee with σ = 5° counts half, σ = 10° a fifth
    — an error the estimate itself may hold moves the fidelity only as much as its uncertainty allows."""
    sd = np.asarray(estimate_sd_deg, dtype=np.float64)
    return 1.0 / (1.0 + (sd / scale_deg) ** 2)


def curve_fidelity(sim_curves_rad: np.ndarray, ref_curves_rad: np.ndarray, joint_names: tuple[str, ...],
                   joint_weights: np.ndarray | None = None) -> dict:
    """Per-joint agreement of two ``[101, J]`` stride-normalised angle curves (radians).

    Keys (``<j>`` = a joint name such as ``knee_r``): ``rmse_deg_<j>``, ``pearson_r_<j>``,
    ``dtw_deg_<j>`` (DTW accumulated cost divided by the number of curve points: a mean degree
    error after optimal time alignment), and the means ``rmse_deg_mean``, ``pearson_r_mean``,
    ``dtw_deg_mean`` over joints — weighted by ``joint_weights`` ``[J]`` when given (estimated joints
    by their uncertainty, :func:`uncertainty_weights`), plain means otherwise.
    """
    sim = np.asarray(sim_curves_rad, dtype=np.float64)
    ref = np.asarray(ref_curves_rad, dtype=np.float64)
    if sim.shape != ref.shape or sim.ndim != 2 or sim.shape[1] != len(joint_names):
        raise ValueError(f"need two [101, {len(joint_names)}] curves, got {sim.shape} and {ref.shape}")
    out: dict[str, float] = {}
    r = rmse_deg(sim, ref)
    p = pearson_r(sim, ref)
    dtw = [dtw_distance(np.rad2deg(sim[:, k]), np.rad2deg(ref[:, k])) / sim.shape[0] for k in range(sim.shape[1])]
    for k, name in enumerate(joint_names):
        out[f"rmse_deg_{name}"] = float(r[k])
        out[f"pearson_r_{name}"] = float(p[k])
        out[f"dtw_deg_{name}"] = float(dtw[k])
    w = np.ones(len(joint_names)) if joint_weights is None else np.asarray(joint_weights, dtype=np.float64)
    out["rmse_deg_mean"] = float(np.average(r, weights=w))
    ok = np.isfinite(p)
    out["pearson_r_mean"] = float(np.average(p[ok], weights=w[ok])) if ok.any() else float("nan")
    out["dtw_deg_mean"] = float(np.average(dtw, weights=w))
    return out
