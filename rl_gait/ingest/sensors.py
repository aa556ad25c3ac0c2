"""Raw inertial recordings: one sensor's samples, the sensor→segment map, gap repair, unit checks.

Everything here is plain numpy. Readers (``rl_gait.ingest.formats``) build :class:`ImuRecording`s;
:func:`synchronise` puts several sensors on one time base and refuses what cannot be trusted.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rl_gait.errors import DataQualityError, InputFormatError
from rl_gait.metrics.fidelity import true_runs

G_M_S2 = 9.80665
SEGMENTS: tuple[str, ...] = ("pelvis", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l", "foot_l")
SAMPLE_RATE_RANGE_HZ: tuple[float, float] = (10.0, 10_000.0)
"""Sample rates a recording may have (Hz): below 10 Hz the event and gap filters have no band left (a 6 Hz
low-pass needs a Nyquist frequency above it), above 10 kHz no gait sensor or lab records; anything outside —
zero, negative, NaN, a rate typed in kHz — is a wrong header or a wrong ``--sample-rate-hz``."""


def check_sample_rate(rate_hz: float, path: str | Path | None, source: str = "the file's") -> float:
    """``rate_hz`` as a float if it lies in :data:`SAMPLE_RATE_RANGE_HZ`, else a one-line
    :class:`InputFormatError` naming ``source`` (where the rate came from) and the fix."""
    lo, hi = SAMPLE_RATE_RANGE_HZ
    try:
        rate = float(rate_hz)
    except (TypeError, ValueError):
        rate = math.nan
    if not (math.isfinite(rate) and lo <= rate <= hi):
        raise InputFormatError(f"{source} sample rate {rate_hz!r} Hz is outside {lo:g}-{hi:g} Hz", path=path,
                               fix="correct the file's rate (header or time column) or pass --sample-rate-hz")
    return rate


MIN_RECORDING_S = 1.0
"""Shorter recordings are refused at once (a trial needs two strides per side, several seconds; the filters
need samples to work on)."""


def check_samples(n_samples: int, rate_hz: float, path: str | Path | None) -> None:
    """Refuse a recording of fewer than :data:`MIN_RECORDING_S` seconds in one line."""
    if n_samples < MIN_RECORDING_S * rate_hz:
        raise DataQualityError(f"only {n_samples} samples ({n_samples / rate_hz:.2f} s at {rate_hz:g} Hz): too short",
                               path=path, fix="record a walk with at least 2 strides per side (a 20 m walk)")

# lower-cased, non-alphanumerics removed -> canonical segment
_SEGMENT_ALIASES: dict[str, str] = {
    "pelvis": "pelvis", "lumbar": "pelvis", "sacrum": "pelvis", "pel": "pelvis", "lowerback": "pelvis",
    "thighr": "thigh_r", "rthigh": "thigh_r", "rightthigh": "thigh_r", "rupleg": "thigh_r",
    "thighl": "thigh_l", "lthigh": "thigh_l", "leftthigh": "thigh_l", "lupleg": "thigh_l",
    "shankr": "shank_r", "rshank": "shank_r", "rightshank": "shank_r", "rlowleg": "shank_r",
    "shankl": "shank_l", "lshank": "shank_l", "leftshank": "shank_l", "llowleg": "shank_l",
    "footr": "foot_r", "rfoot": "foot_r", "rightfoot": "foot_r",
    "footl": "foot_l", "lfoot": "foot_l", "leftfoot": "foot_l",
}


def canonical_segment(label: str) -> str | None:
    """``"L_LowLeg"`` / ``"leftshank"`` / ``"shank_l"`` → ``"shank_l"``; ``None`` when unknown."""
    key = re.sub(r"[^a-z0-9]", "", label.lower())
    return _SEGMENT_ALIASES.get(key)


@dataclass(frozen=True)
class ImuRecording:
    """One inertial sensor on one body segment.

    Attributes:
        path: the file it came from.
        sensor_id: device id or column prefix as in the file.
        segment: canonical segment (:data:`SEGMENTS`) or ``None`` when the map does not place it.
        sample_rate_hz: samples per second.
        acc_m_s2: ``[T, 3]`` specific force in the sensor frame (m/s²), ``None`` if absent.
        gyr_rad_s: ``[T, 3]`` angular velocity in the sensor frame (rad/s), ``None`` if absent.
        mag: ``[T, 3]`` magnetic field (any unit, only its direction is used) or ``None``.
        quat_wxyz: ``[T, 4]`` vendor sensor→world orientation (world z up) or ``None``.
        counter: ``[T]`` unwrapped packet counter (int) or ``None``.
        sample_rate_source: where ``sample_rate_hz`` came from (``"file"``, ``"timestamps"``, ``"assumed"``).
    """

    path: Path
    sensor_id: str
    segment: str | None
    sample_rate_hz: float
    acc_m_s2: np.ndarray | None
    gyr_rad_s: np.ndarray | None
    mag: np.ndarray | None = None
    quat_wxyz: np.ndarray | None = None
    counter: np.ndarray | None = None
    sample_rate_source: str = "file"

    def __post_init__(self) -> None:
        check_sample_rate(self.sample_rate_hz, self.path, f"sensor {self.sensor_id}: the {self.sample_rate_source}")
        check_samples(self.n_samples, self.sample_rate_hz, self.path)

    @property
    def n_samples(self) -> int:
        for a in (self.gyr_rad_s, self.acc_m_s2, self.quat_wxyz):
            if a is not None:
                return int(a.shape[0])
        return 0

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: v for k, v in (("acc_m_s2", self.acc_m_s2), ("gyr_rad_s", self.gyr_rad_s),
                                  ("mag", self.mag), ("quat_wxyz", self.quat_wxyz)) if v is not None}


@dataclass(frozen=True)
class ImuSet:
    """The sensors of one trial, at most one per segment (in :data:`SEGMENTS` order), and what the
    reader noted (ignored sensors, assumed rates)."""

    recordings: tuple[ImuRecording, ...]
    notes: tuple[str, ...] = ()


def place_on_segments(recs: list[ImuRecording], notes: list[str]) -> ImuSet:
    """Keep the first sensor on each mapped segment; unmapped and second sensors are noted and ignored."""
    notes = list(notes)
    used: dict[str, ImuRecording] = {}
    for r in recs:
        if r.segment is None:
            notes.append(f"{r.path.name}: sensor {r.sensor_id} is not on a mapped segment, ignored")
        elif r.segment in used:
            notes.append(f"{r.path.name}: second sensor on {r.segment}, ignored")
        else:
            used[r.segment] = r
    return ImuSet(tuple(used[s] for s in SEGMENTS if s in used), tuple(notes))


def unwrap_counter(counter: np.ndarray, modulus: int = 65536) -> np.ndarray:
    """Unwrap a packet counter that wraps at ``modulus`` (Xsens: 65535 → 0) into a monotonic int array.

    ``[60000, 65535, 0, 1]`` → ``[60000, 65535, 65536, 65537]``. A step back of more than half the
    modulus is a wrap; smaller steps back are kept (they are reported as bad ordering by the caller).
    """
    c = np.asarray(counter, dtype=np.int64)
    d = np.diff(c)
    wraps = np.concatenate([[0], np.cumsum(d < -modulus // 2)])
    return c + wraps * modulus


def nan_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` half-open index runs where ``valid`` is False."""
    return true_runs(~np.asarray(valid, bool))


def repair_gaps(x: np.ndarray, max_gap_samples: int, *, path: Path | str, what: str) -> tuple[np.ndarray, int]:
    """Linearly interpolate NaN runs of ``x`` ``[T, C]`` up to ``max_gap_samples`` long.

    Returns ``(repaired, n_repaired_samples)``. A longer run, or a NaN at either end longer than that,
    raises :class:`DataQualityError` — a long gap cannot be filled without inventing movement.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    valid = np.all(np.isfinite(x), axis=1)
    runs = nan_runs(valid)
    if not runs:
        return x, 0
    longest = max(b - a for a, b in runs)
    if longest > max_gap_samples:
        a, b = next((a, b) for a, b in runs if b - a == longest)
        raise DataQualityError(
            f"{what}: {longest} consecutive missing/NaN samples (rows {a}–{b - 1}), more than the "
            f"{max_gap_samples} that can be interpolated", path=path,
            fix="re-export the recording without dropped packets, cut the trial to the part without the gap, "
                "or allow interpolating longer gaps with --max-gap-s",
        )
    idx = np.arange(len(x))
    for c in range(x.shape[1]):
        x[~valid, c] = np.interp(idx[~valid], idx[valid], x[valid, c])
    return x, int((~valid).sum())


def check_units(rec: ImuRecording) -> None:
    """Refuse accelerations that look like g (not m/s²) and angular velocities that look like deg/s.

    During walking the mean specific-force norm is about 9.8 m/s² (gravity); shank and foot
    angular velocity peaks are 3–8 rad/s, never above ~20 rad/s (1150 °/s).
    """
    if rec.acc_m_s2 is not None:
        norm = float(np.nanmedian(np.linalg.norm(rec.acc_m_s2, axis=1)))
        if 0.5 < norm < 1.5:
            raise DataQualityError(
                f"sensor {rec.sensor_id}: acceleration norm is {norm:.2f}, i.e. in g, but m/s² was expected",
                path=rec.path, fix="multiply by 9.81 or declare the unit (generic CSV: '# units: acc=g')",
            )
        if not 5.0 < norm < 15.0:
            raise DataQualityError(
                f"sensor {rec.sensor_id}: median acceleration norm {norm:.2f} m/s² is not near gravity (9.81)",
                path=rec.path, fix="check the accelerometer columns and their unit",
            )
    if rec.gyr_rad_s is not None:
        p99 = float(np.nanpercentile(np.abs(rec.gyr_rad_s), 99.5))
        if p99 > 25.0:
            raise DataQualityError(
                f"sensor {rec.sensor_id}: angular velocity reaches {p99:.0f} 'rad/s' — that is deg/s",
                path=rec.path, fix="convert to rad/s or declare the unit (generic CSV: '# units: gyr=deg/s')",
            )


def synchronise(recs: list[ImuRecording], *, max_gap_s: float = 0.1) -> list[ImuRecording]:
    """Put recordings on one time base and repair short gaps; refuse mismatched or long-gapped data.

    With packet counters (Xsens MTw) every sensor is placed on the common counter range and missing
    packets become NaN rows; otherwise sensors are aligned at their first sample and cut to the
    shortest. NaN runs up to ``max_gap_s`` are interpolated (quaternions renormalised), longer ones raise.
    """
    if not recs:
        raise InputFormatError("no sensor recordings found", fix="pass the sensor files or their folder")
    rates = {r.sample_rate_hz for r in recs}
    if max(rates) - min(rates) > 1e-6 * max(rates):
        detail = ", ".join(f"{r.sensor_id}={r.sample_rate_hz:g} Hz" for r in recs)
        raise DataQualityError(
            f"sample-rate mismatch between sensors ({detail})", path=recs[0].path.parent,
            fix="export all sensors at the same rate (or resample them) before ingesting",
        )
    fs = recs[0].sample_rate_hz
    if all(r.counter is not None for r in recs):
        lo = max(int(r.counter[0]) for r in recs)
        hi = min(int(r.counter[-1]) for r in recs)
        if hi <= lo:
            raise DataQualityError("the sensors' packet counters do not overlap: not one recording",
                                   path=recs[0].path.parent, fix="pass sensor files exported from the same trial")
        placed = []
        for r in recs:
            if np.any(np.diff(r.counter) <= 0):
                raise DataQualityError(f"sensor {r.sensor_id}: packet counter goes backwards", path=r.path,
                                       fix="re-export the trial from MT Manager")
            rows = r.counter - lo
            keep = (rows >= 0) & (r.counter <= hi)
            arrays = {}
            for k, v in r.arrays().items():
                full = np.full((hi - lo + 1, v.shape[1]), np.nan)
                full[rows[keep]] = v[keep]
                arrays[k] = full
            placed.append(replace(r, counter=np.arange(lo, hi + 1), **arrays))
        recs = placed
    else:
        n = min(r.n_samples for r in recs)
        recs = [replace(r, **{k: v[:n] for k, v in r.arrays().items()}) for r in recs]
    max_gap = max(1, int(round(max_gap_s * fs)))
    out = []
    for r in recs:
        arrays = {}
        for k, v in r.arrays().items():
            fixed, _ = repair_gaps(v, max_gap, path=r.path, what=f"sensor {r.sensor_id} {k}")
            if k == "quat_wxyz":
                fixed /= np.linalg.norm(fixed, axis=1, keepdims=True)
            arrays[k] = fixed
        out.append(replace(r, **arrays))
    return out


def load_sensor_map(path: str | Path) -> dict[str, str]:
    """Read a ``sensorspec.json``-style map ``{segment label: sensor file or id}`` → ``{id: segment}``.

    Labels may be any alias (``leftshank``, ``L_LowLeg``, ``shank_l``); ids may be file names
    (``00B47786.txt``) or their suffixes (truncated ids are matched by suffix later).
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"cannot read the sensor map ({exc.__class__.__name__})", path=path,
                               fix='write JSON like {"leftshank": "00B47786", "pelvis": "00B47791"}') from None
    if not isinstance(raw, dict) or not raw:
        raise InputFormatError("the sensor map is not a non-empty JSON object", path=path,
                               fix='write JSON like {"leftshank": "00B47786", "pelvis": "00B47791"}')
    return sensor_map_from_dict(raw, path=path)


def sensor_map_from_dict(raw: dict, *, path: Path | str) -> dict[str, str]:
    """``{segment label: sensor file or id}`` → ``{SENSOR ID (upper, no extension): canonical segment}``."""
    out: dict[str, str] = {}
    for label, sensor in raw.items():
        seg = canonical_segment(str(label))
        if seg is None:
            raise InputFormatError(f"unknown body segment {label!r} in the sensor map", path=path,
                                   fix=f"use one of {', '.join(SEGMENTS)} (or leftshank, rightfoot, lumbar...)")
        out[Path(str(sensor)).stem.upper()] = seg
    return out


def segment_for(sensor_id: str, sensor_map: dict[str, str]) -> str | None:
    """The segment of ``sensor_id`` in ``sensor_map`` (exact id, or id ending with a mapped suffix)."""
    sid = sensor_id.upper()
    if sid in sensor_map:
        return sensor_map[sid]
    hits = [seg for key, seg in sensor_map.items() if sid.endswith(key) or key.endswith(sid)]
    return hits[0] if len(hits) == 1 else None
