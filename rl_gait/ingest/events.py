"""Gait events from the sagittal angular velocity of a shank (or foot, or thigh), and from hip and knee angles.

The shank's sagittal angular velocity ω (positive = distal end forward) has one large positive peak
per stride at mid-swing; foot off (FO) is the deepest negative minimum before it (Aminian et al. 2002;
Salarian et al. 2004). Initial contact (IC) closes the swing:

- with hip and knee angles (every IMU suit with thigh and shank sensors, every angle table): where the
  ankle is farthest in front of the hip (Zeni et al. 2008; :func:`ankle_forward_m`), moved later by
  :data:`ANKLE_PEAK_LEAD_CYCLES` of the stride;
- from ω alone (shank or foot sensors only): the first negative minimum after mid-swing (Aminian) moved
  earlier by its measured lag :data:`AMINIAN_LAG_CYCLES`, or where ω glides into stance (its zero
  crossing, not corrected: not measured) for a stiff shank without a contact dip.

Why the angles win: on the healthy subject with optical ground truth (gaittoolbox S02; events from the
foot-velocity algorithm of O'Connor et al. 2007 on the Vicon ankle and toe) the uncorrected ω minimum was
0.07–0.09 s late (stance 52–55 %, truth 59–60 %), the corrected ankle peak is within ±0.04 s (mean
−0.005 / +0.010 s, stance 57–59 %) — as is the corrected ω minimum there — but on StrokeAvatar's stiff-kneed paretic legs the ω events put paretic contact after the
other foot had left the ground (paretic stance 27–38 %: a flight phase no hemiparetic walker has); the
ankle peak gives 39–50 % paretic and 55–72 % non-paretic stance, 3–19 % double support. Thresholds are
relative to the signal and windows to the stride period found by autocorrelation, so the detector
works on slow, asymmetric stroke gait (strides up to 4 s) and on ω derived from orientations alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, filtfilt, find_peaks

from rl_gait.ingest.trial import GaitEvents

AMINIAN_LAG_CYCLES = 0.045
"""How late the first ω minimum after mid-swing (Aminian et al. 2002) comes after heel strike, in cycles.
Measured on the 118 healthy StrokeAvatar mocap clips (frame 0 = right heel strike) with ω = d/dt(hip − knee):
median 0.045 (10–90 % 0.007…0.064); on gaittoolbox S02 the corrected minimum of that ω is −8 / −1 ms from
the Vicon foot-velocity events (uncorrected +55 / +62 ms). Subtracted from every ω-minimum initial contact
(and from the atlas' clip phases, :func:`rl_gait.atlas.cycles.detect_initial_contact_phase`)."""

ANKLE_PEAK_LEAD_CYCLES = 0.042
"""How early the ankle's forward peak (:func:`ankle_forward_m`) comes before heel strike, in cycles.
Measured on the 118 healthy StrokeAvatar mocap clips, whose frame 0 is a right heel strike: median
−0.042 (10–90 % −0.069…0.000); on gaittoolbox S02 against the Vicon foot-velocity events −0.05 to −0.065 s
at 1.42 s strides (−0.04). Added to every angle-based initial contact."""


@dataclass(frozen=True)
class EventParams:
    """Detector settings.

    Attributes:
        lowpass_hz: zero-lag Butterworth cut-off applied to ω.
        min_swing_peak_rad_s: a mid-swing peak must exceed this (≈ 40 °/s) — below it there is no walking.
        rel_swing_peak: and this fraction of the 99th percentile of ω.
        min_stride_s, max_stride_s: plausible stride durations.
        ic_window: IC is searched within this fraction of the stride after mid-swing.
        fo_window: FO is searched within this fraction of the stride before mid-swing.
        ic_level_rad_s: IC is the first local minimum of ω below this level after mid-swing.
    """

    lowpass_hz: float = 6.0
    min_swing_peak_rad_s: float = 0.7
    rel_swing_peak: float = 0.3
    min_stride_s: float = 0.6
    max_stride_s: float = 4.0
    ic_window: float = 0.4
    fo_window: float = 0.45
    ic_level_rad_s: float = 0.0


def lowpass(x: np.ndarray, sample_rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-lag 2nd-order Butterworth low-pass of ``[T]`` (returned unchanged when too short)."""
    if cutoff_hz >= 0.45 * sample_rate_hz or len(x) < 20:
        return np.asarray(x, float)
    b, a = butter(2, cutoff_hz / (0.5 * sample_rate_hz))
    return filtfilt(b, a, x)


def stride_period_s(omega: np.ndarray, sample_rate_hz: float, params: EventParams = EventParams()) -> float | None:
    """Dominant stride period (s) of ``[T]`` ω by autocorrelation within the plausible range, or ``None``."""
    x = np.asarray(omega, float) - np.mean(omega)
    n = len(x)
    lo, hi = int(params.min_stride_s * sample_rate_hz), min(n - 1, int(params.max_stride_s * sample_rate_hz))
    if hi <= lo + 2:
        return None
    f = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[:n]
    ac /= ac[0] if ac[0] > 0 else 1.0
    peaks, props = find_peaks(ac[lo:hi], height=0.1)
    if not peaks.size:
        return None
    # the first strong peak: multiples of the stride are as strong as the stride itself, and the step
    # period (half a stride) is weak on a shank
    h = props["peak_heights"]
    best = peaks[int(np.flatnonzero(h >= 0.7 * h.max())[0])]
    return float((best + lo) / sample_rate_hz)


def ankle_forward_m(hip_rad: np.ndarray, knee_rad: np.ndarray, thigh_m: float = 0.245,
                    shank_m: float = 0.246) -> np.ndarray:
    """``[T]`` forward position (m) of the ankle relative to the hip from ``[T]`` hip and knee flexion
    (rad, clinical signs) with the pelvis taken level: ``thigh·sin(hip) + shank·sin(hip − knee)``
    (segment lengths default to 0.245·H and 0.246·H of Winter 2009 for H = 1 m: only the timing of its
    peaks is used)."""
    hip, knee = np.asarray(hip_rad, float), np.asarray(knee_rad, float)
    return thigh_m * np.sin(hip) + shank_m * np.sin(hip - knee)


def detect_events(omega_rad_s: np.ndarray, sample_rate_hz: float, params: EventParams = EventParams(),
                  *, t0_s: float = 0.0, ankle_forward: np.ndarray | None = None) -> tuple[GaitEvents, np.ndarray]:
    """Events of one side from ``[T]`` sagittal angular velocity (rad/s, positive = swing forward).

    ``ankle_forward``: optional ``[T]`` :func:`ankle_forward_m` of the same side; when given, each swing
    ends at its maximum (searched from ``ic_window / 4`` of the stride before mid-swing to ``ic_window``
    after) plus :data:`ANKLE_PEAK_LEAD_CYCLES` of the stride.

    Returns ``(GaitEvents, mid_swing_s)`` with times in seconds (``t0_s`` added). Empty arrays when no
    walking is found; the caller decides whether that is an error.
    """
    fs = sample_rate_hz
    w = lowpass(np.nan_to_num(np.asarray(omega_rad_s, float)), fs, params.lowpass_hz)
    fwd = None if ankle_forward is None else lowpass(np.nan_to_num(np.asarray(ankle_forward, float)), fs,
                                                     params.lowpass_hz)
    empty = GaitEvents(np.zeros(0), np.zeros(0))
    top = np.percentile(w, 99) if len(w) else 0.0
    if top < params.min_swing_peak_rad_s:
        return empty, np.zeros(0)
    height = max(params.min_swing_peak_rad_s, params.rel_swing_peak * top)
    # one swing per stride: peaks closer than 80 % of the shortest plausible stride are one swing
    peaks, _ = find_peaks(w, height=height, distance=max(1, int(0.8 * params.min_stride_s * fs)),
                          prominence=0.5 * height)
    spacing = np.diff(peaks) / fs
    spacing = spacing[(spacing >= params.min_stride_s) & (spacing <= params.max_stride_s)]
    if spacing.size:
        period = float(np.median(spacing))
    else:  # one swing only (e.g. a single clip): autocorrelation, else the record length
        period = stride_period_s(w, fs, params) or min(params.max_stride_s, len(w) / fs)
    ics, fos = [], []
    for p in peaks:
        a, b = p + 1, min(len(w), p + int(params.ic_window * period * fs) + 1)
        if b - a >= 2 and fwd is not None:  # the ankle's forward peak, moved by its measured lead
            lo = max(0, p - int(0.25 * params.ic_window * period * fs))
            ics.append(min(len(w) - 1, lo + int(np.argmax(fwd[lo:b])) + round(ANKLE_PEAK_LEAD_CYCLES * period * fs)))
        elif b - a >= 2:
            seg = w[a:b]
            mins, _ = find_peaks(-seg)
            low = [m for m in mins if seg[m] < params.ic_level_rad_s]
            if low:
                ics.append(max(0, a + low[0] - round(AMINIAN_LAG_CYCLES * period * fs)))
            else:  # stiff shank without a contact dip: where ω glides into stance (its zero crossing)
                down = np.flatnonzero((seg[:-1] >= 0) & (seg[1:] < 0))
                if down.size:
                    ics.append(a + int(down[0]) + 1)
        a, b = max(0, p - int(params.fo_window * period * fs)), p
        if b - a >= 2:
            seg = w[a:b]
            if a > 0 and seg.min() < 0:
                fos.append(a + int(np.argmin(seg)))
    return (GaitEvents(initial_contact_s=np.asarray(ics, float) / fs + t0_s,
                       foot_off_s=np.asarray(fos, float) / fs + t0_s),
            peaks.astype(float) / fs + t0_s)


def strides_from_events(ic_s: np.ndarray, *, min_stride_s: float = 0.6, max_stride_s: float = 4.0,
                        rel_tolerance: float = 0.35, breaks_s: np.ndarray | None = None) -> np.ndarray:
    """``[n, 2]`` (start, end) IC-to-IC strides whose duration is plausible and within ``rel_tolerance``
    of the median (turns, stops and missed steps are dropped) and that do not span a recording break."""
    ic = np.sort(np.asarray(ic_s, float))
    if ic.size < 2:
        return np.zeros((0, 2))
    s = np.stack([ic[:-1], ic[1:]], axis=1)
    d = s[:, 1] - s[:, 0]
    ok = (d >= min_stride_s) & (d <= max_stride_s)
    if breaks_s is not None and len(breaks_s):
        for b in breaks_s:
            ok &= ~((s[:, 0] < b) & (s[:, 1] > b))
    if ok.any():
        med = np.median(d[ok])
        ok &= np.abs(d - med) <= rel_tolerance * med
    return s[ok]
