"""Sensor-to-segment alignment: which sensor axis is the segment's long axis and its flexion axis.

Sensors sit on the body in any orientation. Per segment we need, in the sensor frame:

- the **long axis** ``l`` (unit, pointing up along the segment when standing; for the foot: the
  foot's up axis). Taken from gravity during a quiet-standing period when one exists (then every
  joint angle is 0 at standing), otherwise from the mean gravity direction over the walk (leg
  segments) or over foot-flat samples (feet) — then the absolute offsets come from walking priors.
- the **flexion axis** ``m`` (medio-lateral, unit, ⟂ ``l``): the principal axis of the angular
  velocity after removing its long-axis part (sagittal rotation dominates walking), signed so that
  swing is positive (median negative, see :func:`swing_positive_sign`): a positive rotation about ``m`` moves the segment's distal end
  forward (thigh, shank) or lifts the toes (foot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from rl_gait.ingest.orientation import up_in_sensor_frame


@dataclass(frozen=True)
class SegmentAxes:
    """Sensor-frame anatomical axes of one segment (unit vectors, ``long_axis ⟂ flexion_axis``)."""

    long_axis: np.ndarray
    flexion_axis: np.ndarray
    source: str  # "static" | "walking" | "foot_flat"


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def detect_static_period(gyr_norms_rad_s: list[np.ndarray], sample_rate_hz: float, *,
                         min_duration_s: float = 1.0, threshold_rad_s: float = 0.2,
                         search_s: float = 30.0) -> slice | None:
    """The longest run in the first ``search_s`` where every sensor's (0.25 s-smoothed) angular speed
    stays below ``threshold_rad_s`` for at least ``min_duration_s``; ``None`` if there is none."""
    n = min(len(g) for g in gyr_norms_rad_s)
    n_search = min(n, int(search_s * sample_rate_hz))
    win = max(1, int(0.25 * sample_rate_hz))
    quiet = np.ones(n_search, bool)
    for g in gyr_norms_rad_s:
        quiet &= uniform_filter1d(np.asarray(g[:n_search], float), win) < threshold_rad_s
    padded = np.concatenate([[False], quiet, [False]])
    d = np.diff(padded.astype(np.int8))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    if not starts.size:
        return None
    k = int(np.argmax(stops - starts))
    if stops[k] - starts[k] < min_duration_s * sample_rate_hz:
        return None
    return slice(int(starts[k]), int(stops[k]))


def flexion_axis(gyr_rad_s: np.ndarray, long_axis: np.ndarray) -> np.ndarray:
    """Principal axis of ``[T, 3]`` angular velocity ⟂ ``long_axis``, signed so that swing is positive.
    Returns a unit ``[3]``."""
    g = np.asarray(gyr_rad_s, float)
    g = g[np.all(np.isfinite(g), axis=1)]
    gp = g - np.outer(g @ long_axis, long_axis)
    _, vecs = np.linalg.eigh(gp.T @ gp)
    m = unit(vecs[:, -1] - (vecs[:, -1] @ long_axis) * long_axis)
    return m * swing_positive_sign(g @ m)


def swing_positive_sign(omega: np.ndarray) -> float:
    """+1 or −1 so that ``sign · omega`` is positive in swing: a leg segment rotates backward (distal
    end back, ω < 0) through the whole stance, which lasts more than half the cycle, and forward in a
    short swing — so the median of a correctly signed ω is negative. (Peak size is no guide: a stiff
    paretic shank has a contact dip as deep as its swing peak.)"""
    return -1.0 if np.nanmedian(omega) > 0 else 1.0


def shank_omega_sign(omega_rad_s: np.ndarray, inclination_rate_rad_s: np.ndarray | None) -> float:
    """+1 or −1 so that ``sign · omega`` (``[T]`` rad/s about a shank's principal axis) turns the same way
    as the shank's sagittal inclination rate ``[T]`` rad/s, d/dt(hip − knee) from joint angles whose
    signs the format defines. The swing-median rule (:func:`swing_positive_sign`) fails on a stiff paretic
    shank: its stance is as long as its swing and its pre-swing rotation faster than its swing
    (StrokeAvatar walk460, 467, 472: left side flipped, initial contacts placed at foot off). Without
    angles, or when they do not correlate (|r| < 0.3), the swing-median rule decides."""
    w = np.asarray(omega_rad_s, float)
    if inclination_rate_rad_s is not None:
        ok = np.isfinite(w) & np.isfinite(inclination_rate_rad_s)
        if ok.sum() > 2 and np.std(w[ok]) > 0 and np.std(inclination_rate_rad_s[ok]) > 0:
            r = float(np.corrcoef(w[ok], np.asarray(inclination_rate_rad_s, float)[ok])[0, 1])
            if abs(r) >= 0.3:
                return 1.0 if r > 0 else -1.0
    return swing_positive_sign(w)


def foot_pitch_sign(theta_rad: np.ndarray) -> float:
    """+1 or −1 so that ``sign · theta`` (a foot's ``[T]`` sagittal inclination, rad) is toes-up positive,
    for a foot whose shank is not measured: about its foot-flat attitude (the median) a foot pitches
    further toes-down at push-off (heel rise, 30–60°) than toes-up at initial contact (10–25°; Perry &
    Burnfield 2010), so a correctly signed inclination reaches further below its median than above."""
    x = np.asarray(theta_rad, float)
    x = x[np.isfinite(x)] - np.nanmedian(x)
    return 1.0 if abs(np.percentile(x, 1)) >= abs(np.percentile(x, 99)) else -1.0


def minor_flexion_axis(gyr_rad_s: np.ndarray, long_axis: np.ndarray) -> np.ndarray:
    """For the pelvis: obliquity (about the forward axis) dominates its horizontal-plane rotation, so the
    medio-lateral axis is the *minor* principal axis ⟂ ``long_axis``. Sign is fixed later (see
    :func:`orient_like`)."""
    g = np.asarray(gyr_rad_s, float)
    g = g[np.all(np.isfinite(g), axis=1)]
    gp = g - np.outer(g @ long_axis, long_axis)
    _, vecs = np.linalg.eigh(gp.T @ gp)
    return unit(vecs[:, 1] - (vecs[:, 1] @ long_axis) * long_axis)


def long_axis(quat_wxyz: np.ndarray, mask: np.ndarray | slice | None = None) -> np.ndarray:
    """Mean direction of world up in the sensor frame over ``mask`` (all samples when ``None``)."""
    up = up_in_sensor_frame(quat_wxyz)
    if mask is not None:
        up = up[mask]
    return unit(np.nanmean(up, axis=0))


def foot_flat_mask(gyr_rad_s: np.ndarray, *, quantile: float = 0.2) -> np.ndarray:
    """``[T]`` bool: the ``quantile`` of samples with the lowest angular speed (foot flat on the ground)."""
    speed = np.linalg.norm(gyr_rad_s, axis=1)
    return speed <= np.nanquantile(speed, quantile)


def segment_axes(quat_wxyz: np.ndarray, gyr_rad_s: np.ndarray, *, static: slice | None,
                 is_foot: bool = False, is_pelvis: bool = False) -> SegmentAxes:
    """Sensor-frame axes of one segment (see the module docstring)."""
    if static is not None:
        la, source = long_axis(quat_wxyz, static), "static"
    elif is_foot:
        la, source = long_axis(quat_wxyz, foot_flat_mask(gyr_rad_s)), "foot_flat"
    else:
        la, source = long_axis(quat_wxyz), "walking"
    fa = minor_flexion_axis(gyr_rad_s, la) if is_pelvis else flexion_axis(gyr_rad_s, la)
    return SegmentAxes(long_axis=la, flexion_axis=fa, source=source)


def world_axis(quat_wxyz: np.ndarray, axis_sensor: np.ndarray) -> np.ndarray:
    """``[T, 3]`` a sensor-frame axis expressed in the world frame."""
    from rl_gait.ingest.orientation import rotation_from_wxyz

    return rotation_from_wxyz(quat_wxyz).apply(axis_sensor)


def heading_agreement(quat_a: np.ndarray, axis_a: np.ndarray, quat_b: np.ndarray, axis_b: np.ndarray) -> float:
    """Mean cosine between two segments' flexion axes projected on the horizontal world plane.

    Near +1: both sensors share the world heading and the axes point the same way; near −1: opposite
    sign; near 0: headings unknown (6-axis filters) or unrelated.
    """
    a = world_axis(quat_a, axis_a)[:, :2]
    b = world_axis(quat_b, axis_b)[:, :2]
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    cos = np.sum(a * b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-9)
    return float(np.nanmean(cos))


def sagittal_inclination_rad(quat_wxyz: np.ndarray, axes: SegmentAxes) -> np.ndarray:
    """``[T]`` signed angle (rad) from world up to the segment's long axis, about its flexion axis.

    With ``M`` the flexion axis and ``L`` the long axis in the world frame and ``U`` world up projected
    on the plane ⟂ ``M``: ``θ = atan2((U × L)·M, U·L)``. Positive = rotated in the positive flexion-axis
    sense from vertical (distal end forward for leg segments, toes up for the foot). Heading-free: only
    gravity and the segment's own axes enter.
    """
    m = world_axis(quat_wxyz, axes.flexion_axis)
    ll = world_axis(quat_wxyz, axes.long_axis)
    up = np.array([0.0, 0.0, 1.0])
    u = up - (m @ up)[:, None] * m
    s = np.einsum("ij,ij->i", np.cross(u, ll), m)
    c = np.einsum("ij,ij->i", u, ll)
    return np.arctan2(s, c)


def side_swap_suspects(omega_by_segment: dict[str, np.ndarray]) -> list[str]:
    """Shank/foot pairs that move with the *other* leg: a left/right mix-up in the sensor map.

    Shank and foot of one leg rotate together, so their sagittal angular velocities correlate far
    better on the same side (|r| ≈ 0.9) than across (|r| ≈ 0.1–0.3 on gaittoolbox and MovingReality;
    magnitudes, since the foot's sign is fixed only later). Suspect when the cross-side sum beats the
    same-side sum by 0.6. Thigh/shank pairs are not checked: a thigh's sagittal motion is nearly
    sinusoidal, so the other thigh with its sign flipped looks the same (undetectable without feet).
    """
    def corr(a: np.ndarray, b: np.ndarray) -> float:
        n = min(len(a), len(b))
        return abs(float(np.corrcoef(np.nan_to_num(a[:n]), np.nan_to_num(b[:n]))[0, 1]))

    names = ["shank_r", "shank_l", "foot_r", "foot_l"]
    if not all(n in omega_by_segment for n in names):
        return []
    sr, sl, fr, fl = (omega_by_segment[n] for n in names)
    if corr(sr, fl) + corr(sl, fr) > corr(sr, fr) + corr(sl, fl) + 0.6:
        return ["shank_r/shank_l (or foot_r/foot_l)"]
    return []
