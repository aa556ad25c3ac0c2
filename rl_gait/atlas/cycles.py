"""Gait-cycle utilities for the atlas: initial-contact detection and stride normalisation.

Pure numpy. A StrokeAvatar clip is exactly one periodic cycle whose last frame equals the first frame
of the next cycle, so its ``N`` frames hold ``N - 1`` unique samples and any phase shift is circular.
"""

from __future__ import annotations

import numpy as np

from rl_gait.ingest.events import AMINIAN_LAG_CYCLES
from rl_gait.joints import N_CURVE_POINTS

IC_N_HARMONICS = 10
"""Harmonics kept when differentiating the shank angle (suppresses 90–120 Hz sample noise)."""

IC_DETECTOR_BIAS_CYCLES = AMINIAN_LAG_CYCLES
"""Mean lateness of :func:`detect_initial_contact_phase` in cycles (the ingestion's measured Aminian lag,
:data:`rl_gait.ingest.events.AMINIAN_LAG_CYCLES`: median 0.045 on the 118 healthy mocap clips, whose frame
0 is a right heel strike). Subtracted from every detection."""


def periodic_samples(x: np.ndarray) -> np.ndarray:
    """Drop the closing frame of a one-cycle clip: ``[N, ...] -> [N-1, ...]`` unique samples."""
    return np.asarray(x)[:-1]


def resample_cycle(x_unique: np.ndarray, start_phase: float, n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """Periodic cycle resampled to ``n_points`` from ``start_phase`` (cycles) over one full cycle.

    Args:
        x_unique: ``[M]`` or ``[M, K]`` samples at phase ``k / M`` (no repeated end point).
        start_phase: phase (cycles) that becomes 0 % of the output.
    Returns:
        ``[n_points, ...]`` at phases ``start_phase + linspace(0, 1, n_points)`` (first == last).
        Interpolation is linear on the periodic extension.
    """
    x = np.asarray(x_unique, dtype=np.float64)
    m = x.shape[0]
    ph = (start_phase + np.linspace(0.0, 1.0, n_points)) % 1.0 * m
    i0 = np.floor(ph).astype(int) % m
    i1 = (i0 + 1) % m
    w = (ph - np.floor(ph)).reshape((-1,) + (1,) * (x.ndim - 1))
    return (1 - w) * x[i0] + w * x[i1]


def detect_initial_contact_phase(hip_rad: np.ndarray, knee_rad: np.ndarray) -> float:
    """Phase (cycles, in [0, 1)) of a side's initial contact in a periodic one-cycle clip.

    Uses the shank's forward inclination ``hip - knee`` (pelvic tilt, a few degrees, is ignored) and
    the rule of Aminian et al. 2002 (J Biomech 35:689) for shank gyroscopes: initial contact is the
    first local minimum of the shank's forward angular velocity after its mid-swing maximum.
    The bias :data:`IC_DETECTOR_BIAS_CYCLES` is removed. Returns ``nan`` if no minimum is found
    within 0.4 cycles of mid-swing (e.g. a very stiff knee).

    Args:
        hip_rad, knee_rad: ``[N]`` angles of one side over one clip (last frame closes the cycle).
    """
    ang = periodic_samples(hip_rad) - periodic_samples(knee_rad)
    m = ang.shape[0]
    spec = np.fft.rfft(ang)
    spec[IC_N_HARMONICS + 1 :] = 0.0
    k = np.arange(spec.shape[0])
    omega = np.fft.irfft(1j * 2 * np.pi * k * spec, m)  # d(angle)/d(phase)
    i_swing = int(np.argmax(omega))
    for d in range(1, int(0.4 * m)):
        i = (i_swing + d) % m
        if omega[i] < omega[(i - 1) % m] and omega[i] <= omega[(i + 1) % m]:
            return float((i / m - IC_DETECTOR_BIAS_CYCLES) % 1.0)
    return float("nan")
