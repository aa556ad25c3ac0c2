"""Stride-normalised curves, spatio-temporal parameters and symmetry indices (pure functions)."""

from __future__ import annotations

import numpy as np

from rl_gait.ingest.trial import GaitEvents
from rl_gait.joints import N_CURVE_POINTS
from rl_gait.metrics.fidelity import symmetry_index_pct


def normalise_strides(time_s: np.ndarray, x: np.ndarray, strides_s: np.ndarray,
                      n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """``[n_strides, n_points]``: ``[T]`` signal ``x`` resampled linearly over each (start, end) stride,
    0 … 100 % inclusive."""
    out = np.empty((len(strides_s), n_points))
    for k, (a, b) in enumerate(strides_s):
        out[k] = np.interp(np.linspace(a, b, n_points), time_s, x)
    return out


def mean_sd_curves(time_s: np.ndarray, angles_rad: np.ndarray, joint_names: tuple[str, ...],
                   strides: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``([J, 101], [J, 101])`` mean and SD over strides, each joint normalised to its own side's strides
    (NaN where a side has no stride)."""
    mean = np.full((len(joint_names), N_CURVE_POINTS), np.nan)
    sd = np.full_like(mean, np.nan)
    for j, name in enumerate(joint_names):
        s = strides[name.rsplit("_", 1)[1]]
        if len(s):
            c = normalise_strides(time_s, angles_rad[:, j], s)
            mean[j] = c.mean(axis=0)
            sd[j] = c.std(axis=0, ddof=1) if len(c) > 1 else 0.0
    return mean, sd


def stance_fractions(strides_s: np.ndarray, foot_off_s: np.ndarray) -> np.ndarray:
    """``[n]`` stance fraction (0…1) of each stride: (first FO inside the stride − start) / duration;
    NaN when no FO falls inside."""
    out = np.full(len(strides_s), np.nan)
    fo = np.sort(np.asarray(foot_off_s, float))
    for k, (a, b) in enumerate(strides_s):
        inside = fo[(fo > a) & (fo < b)]
        if inside.size:
            out[k] = (inside[0] - a) / (b - a)
    return out


def double_support_fractions(strides_r: np.ndarray, ev_r: GaitEvents, ev_l: GaitEvents) -> np.ndarray:
    """``[n]`` double-support fraction of each right stride: (FO_l − IC_r) + (FO_r − IC_l) over the
    stride, with the order IC_r < FO_l < IC_l < FO_r < next IC_r; NaN when the events are not in order."""
    out = np.full(len(strides_r), np.nan)
    fo_l, ic_l, fo_r = (np.sort(np.asarray(v, float)) for v in (ev_l.foot_off_s, ev_l.initial_contact_s,
                                                                   ev_r.foot_off_s))
    for k, (a, b) in enumerate(strides_r):
        f1 = fo_l[(fo_l > a) & (fo_l < b)]
        i2 = ic_l[(ic_l > a) & (ic_l < b)]
        if not (f1.size and i2.size) or i2[0] <= f1[0]:
            continue
        f2 = fo_r[(fo_r > i2[0]) & (fo_r < b)]
        if f2.size:
            out[k] = ((f1[0] - a) + (f2[0] - i2[0])) / (b - a)
    return out


def _nanmedian(x: np.ndarray) -> float:
    x = np.asarray(x, float)
    return float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")


def spatiotemporal_parameters(strides: dict[str, np.ndarray], events: dict[str, GaitEvents], *,
                              speed_m_s: float | None = None, stride_length_m: float | None = None) -> dict[str, float]:
    """Scalar parameters (medians over strides), units in the keys.

    Cadence (steps/min) = 2 · 60 / mean of the sides' median stride times. Step time of a side = time
    from the other side's IC to this side's IC. With ``speed_m_s`` known, lengths = speed × time; else
    with a measured ``stride_length_m`` (foot IMUs), speed = stride length / stride time and step
    lengths = speed × step time; else all NaN.
    """
    p: dict[str, float] = {}
    stride_t = {}
    for s in ("r", "l"):
        st = strides[s]
        stride_t[s] = _nanmedian(st[:, 1] - st[:, 0]) if len(st) else float("nan")
        p[f"stride_time_s_{s}"] = stride_t[s]
        stance = stance_fractions(st, events[s].foot_off_s)
        p[f"stance_pct_{s}"] = 100.0 * _nanmedian(stance)
        p[f"swing_pct_{s}"] = 100.0 - p[f"stance_pct_{s}"]
        p[f"n_strides_{s}"] = float(len(st))
    for s, o in (("r", "l"), ("l", "r")):
        other = np.sort(events[o].initial_contact_s)
        steps = []
        for a, b in strides[s]:
            prev = other[(other < b) & (other > a)]
            if prev.size:
                steps.append(b - prev[-1])
        p[f"step_time_s_{s}"] = _nanmedian(np.asarray(steps)) if steps else float("nan")
    mean_stride = np.nanmean([stride_t["r"], stride_t["l"]]) if np.isfinite(list(stride_t.values())).any() \
        else float("nan")
    p["stride_time_s"] = float(mean_stride)
    p["cadence_steps_per_min"] = float(120.0 / mean_stride) if np.isfinite(mean_stride) else float("nan")
    p["double_support_pct"] = 100.0 * _nanmedian(double_support_fractions(strides["r"], events["r"], events["l"]))
    v = float(speed_m_s) if speed_m_s else float("nan")
    if not speed_m_s and stride_length_m is not None and np.isfinite(stride_length_m):
        v = float(stride_length_m) / p["stride_time_s"]
    p["speed_m_s"] = v
    p["stride_length_m"] = v * p["stride_time_s"]
    for s in ("r", "l"):
        p[f"step_length_m_{s}"] = v * p[f"step_time_s_{s}"]
    return p


def swing_peak_omega(time_s: np.ndarray, omega_rad_s: np.ndarray, strides_s: np.ndarray) -> float:
    """Median over ``[n, 2]`` strides of the largest ``[T]`` sagittal angular velocity (rad/s, swing
    positive) inside each stride: the mid-swing peak."""
    peaks = [np.nanmax(omega_rad_s[(time_s >= a) & (time_s < b)]) for a, b in strides_s
             if np.any((time_s >= a) & (time_s < b))]
    return _nanmedian(np.asarray(peaks))


def push_off_omega(time_s: np.ndarray, foot_omega_rad_s: np.ndarray, foot_off_s: np.ndarray,
                   stride_time_s: float) -> float:
    """Median over foot-offs of the fastest toes-down rotation of a foot (``−min ω``, rad/s) from 20 % of
    a stride before each foot off to 5 % after it: heel rise and push-off."""
    out = []
    for fo in np.asarray(foot_off_s, float):
        sel = (time_s >= fo - 0.2 * stride_time_s) & (time_s <= fo + 0.05 * stride_time_s)
        if sel.any():
            out.append(-np.nanmin(foot_omega_rad_s[sel]))
    return _nanmedian(np.asarray(out))


def joint_ranges_rad(curves_mean_rad: np.ndarray, joint_names: tuple[str, ...]) -> dict[str, float]:
    """``{joint: max − min}`` of each stride-normalised mean curve (rad)."""
    return {j: float(np.nanmax(c) - np.nanmin(c)) for j, c in zip(joint_names, curves_mean_rad, strict=True)}


def symmetry_indices(params: dict[str, float], ranges_rad: dict[str, float],
                     per_side: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """Symmetry indices (%) for stance, swing, step time, each joint's range that exists on both sides
    and each ``per_side`` quantity (``{name: {"r": x, "l": y}}``, e.g. ``shank_range``)."""
    si = {
        "stance_pct": symmetry_index_pct(params["stance_pct_r"], params["stance_pct_l"]),
        "swing_pct": symmetry_index_pct(params["swing_pct_r"], params["swing_pct_l"]),
        "step_time": symmetry_index_pct(params["step_time_s_r"], params["step_time_s_l"]),
    }
    for j in ("hip", "knee", "ankle"):
        if f"{j}_r" in ranges_rad and f"{j}_l" in ranges_rad:
            si[f"{j}_range"] = symmetry_index_pct(ranges_rad[f"{j}_r"], ranges_rad[f"{j}_l"])
    for name, v in (per_side or {}).items():
        si[name] = symmetry_index_pct(v["r"], v["l"])
    return si
