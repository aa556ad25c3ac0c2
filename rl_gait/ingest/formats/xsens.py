"""Xsens text exports: MT Manager ``.txt`` files and the gaittoolbox-style per-sensor ``.csv``.

MT Manager (e.g. MTw Awinda, as in ``movingreality``): ``//`` header lines (``DeviceId``, ``Coordinate
system``), a tab-separated column header, then one row per packet. Columns used: ``PacketCounter``
(wraps 65535 → 0), ``SampleTimeFine`` (10 kHz ticks, often empty), ``Acc_X/Y/Z`` (m/s²),
``Gyr_X/Y/Z`` (rad/s), ``Mag_X/Y/Z`` (a.u.), ``Quat_q0..q3`` (w, x, y, z; sensor→ENU/NWU, z up). The
sample rate is not written in the file: it is taken from ``SampleTimeFine`` when filled, else from the
``sample_rate_hz`` argument (default 100 Hz, the MTw default; recorded as ``assumed``).

gaittoolbox CSV: ``// fs=100 nSamples=955`` header, comma-separated ``ori_1..4`` (w, x, y, z,
sensor→world, z up), ``acc_1..3`` (m/s²), ``gyr_1..3`` (rad/s), ``mag_1..3``. The body segment comes
from the file name suffix (``...-L_LowLeg.csv`` → ``shank_l``); ``*LowLeg2`` extra sensors are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.base import ReadContext
from rl_gait.ingest.formats.table import Table, read_table
from rl_gait.ingest.kinematics import Kinematics, imu_kinematics
from rl_gait.ingest.sensors import (
    ImuRecording,
    ImuSet,
    canonical_segment,
    place_on_segments,
    segment_for,
    unwrap_counter,
)

DEFAULT_XSENS_RATE_HZ = 100.0
_FIX = "export from MT Manager with Acc, Gyr (and Quat) columns, tab separated"


def is_mt_manager(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(4096)
    return "MT Manager" in head or ("PacketCounter" in head and "Acc_X" in head)


def is_gaittoolbox_csv(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(1024)
    return "ori_1" in head or ("acc_1" in head and "gyr_1" in head)


def _xyz(t: Table, prefix: str, axes: tuple[str, ...] = ("X", "Y", "Z")) -> np.ndarray | None:
    names = [f"{prefix}{a}" for a in axes]
    if not t.has(*names):
        return None
    return np.stack([t.col(n) for n in names], axis=1)


def read_mt_manager(path: str | Path, *, sample_rate_hz: float | None = None) -> ImuRecording:
    """Read one MT Manager text export (one sensor). The segment is left ``None`` (see the sensor map)."""
    path = Path(path)
    t = read_table(path, comment_prefixes=("//",), delimiter="\t", fix=_FIX)
    acc, gyr = _xyz(t, "Acc_"), _xyz(t, "Gyr_")
    quat = _xyz(t, "Quat_q", ("0", "1", "2", "3"))
    if gyr is None and quat is None:
        raise InputFormatError("missing columns Gyr_X/Y/Z (and no Quat_q0..3)", path=path, fix=_FIX)
    if acc is None and quat is None:
        raise InputFormatError("missing columns Acc_X/Y/Z (and no Quat_q0..3)", path=path, fix=_FIX)
    sensor_id = next((c.split(":", 1)[1].strip() for c in t.comments if c.startswith("DeviceId")), None)
    if sensor_id is None:
        m = re.search(r"_([0-9A-Fa-f]{8})$", path.stem)
        sensor_id = m.group(1) if m else path.stem
    counter = None
    if t.has("PacketCounter") and np.all(np.isfinite(t.col("PacketCounter"))):
        counter = unwrap_counter(t.col("PacketCounter").astype(np.int64))
    source = "argument" if sample_rate_hz is not None else "assumed"
    fs = float(DEFAULT_XSENS_RATE_HZ if sample_rate_hz is None else sample_rate_hz)
    if t.has("SampleTimeFine") and np.all(np.isfinite(t.col("SampleTimeFine"))) and len(t.data) > 10:
        ticks = np.diff(t.col("SampleTimeFine"))
        ticks = ticks[ticks > 0]
        if ticks.size:
            fs_file = 1e4 / float(np.median(ticks))
            if sample_rate_hz is None:
                fs, source = round(fs_file, 3), "timestamps"
    return ImuRecording(path=path, sensor_id=sensor_id, segment=None, sample_rate_hz=fs, acc_m_s2=acc,
                        gyr_rad_s=gyr, mag=_xyz(t, "Mag_"), quat_wxyz=quat, counter=counter,
                        sample_rate_source=source)


def read_gaittoolbox_csv(path: str | Path, *, sample_rate_hz: float | None = None) -> ImuRecording:
    """Read one gaittoolbox-style per-sensor CSV; the segment comes from the file name suffix."""
    path = Path(path)
    fix = "pass a CSV with ori_1..4, acc_1..3, gyr_1..3 columns and a '// fs=<Hz>' header"
    t = read_table(path, comment_prefixes=("//",), delimiter=",", fix=fix)
    fs = sample_rate_hz
    for c in t.comments:
        m = re.search(r"fs=(\S*)", c)
        if m and fs is None:
            try:
                fs = float(m.group(1))
            except ValueError:
                raise InputFormatError(f"sample rate 'fs={m.group(1)}' is not a number", path=path, fix=fix) from None
    if fs is None:
        raise InputFormatError("no sample rate ('// fs=100' header line)", path=path,
                               fix="add the header line or pass --sample-rate-hz")
    acc = _xyz(t, "acc_", ("1", "2", "3"))
    gyr = _xyz(t, "gyr_", ("1", "2", "3"))
    quat = _xyz(t, "ori_", ("1", "2", "3", "4"))
    if gyr is None and quat is None:
        raise InputFormatError("missing columns gyr_1..3 and ori_1..4", path=path, fix=fix)
    label = path.stem.rsplit("-", 1)[-1]
    return ImuRecording(path=path, sensor_id=label, segment=canonical_segment(label), sample_rate_hz=float(fs),
                        acc_m_s2=acc, gyr_rad_s=gyr, mag=_xyz(t, "mag_", ("1", "2", "3")), quat_wxyz=quat,
                        sample_rate_source="file" if sample_rate_hz is None else "argument")


class XsensFormat:
    """``xsens``: MT Manager text exports (segment from the sensor map) and gaittoolbox per-sensor CSVs
    (segment from the file name, or the map)."""

    name = "xsens"
    description = "Xsens MT Manager .txt export (+ sensorspec.json) or gaittoolbox per-sensor CSV"

    def detect(self, path: Path) -> bool:
        return is_mt_manager(path) or is_gaittoolbox_csv(path)

    def read(self, files: list[Path], ctx: ReadContext) -> ImuSet:
        fs = ctx.options.sample_rate_hz
        recs, notes = [], []
        for f in files:
            if is_mt_manager(f):
                r = read_mt_manager(f, sample_rate_hz=fs)
                seg = segment_for(r.sensor_id, ctx.sensor_map) or segment_for(f.stem, ctx.sensor_map)
                if seg is None and not ctx.sensor_map:
                    raise InputFormatError(
                        f"sensor {r.sensor_id}: no sensor-to-segment map", path=f,
                        fix="put a sensorspec.json next to the files or pass --sensor-map "
                            "(e.g. {\"leftshank\": \"00B47786\"})")
                if r.sample_rate_source == "assumed":
                    notes.append(f"{f.name}: no sample rate in the file, assumed {r.sample_rate_hz:g} Hz (Xsens MTw)")
            else:
                r = read_gaittoolbox_csv(f, sample_rate_hz=fs)
                seg = segment_for(r.sensor_id, ctx.sensor_map) or r.segment
            recs.append(ImuRecording(**{**r.__dict__, "segment": seg}))
        return place_on_segments(recs, notes)

    def kinematics(self, data: ImuSet, ctx: ReadContext) -> Kinematics:
        return imu_kinematics(data, ctx.options)


XSENS = XsensFormat()
