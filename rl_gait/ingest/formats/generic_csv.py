"""The documented generic CSV layouts (raw IMU, wide or one file per sensor; joint angles).

See ``rl_gait/ingest/formats/README.md`` for the exact layout. In short::

    # rl_gait imu csv v1
    # sample_rate_hz: 100
    # units: acc=m/s^2 gyr=rad/s
    time_s,pelvis_acc_x,pelvis_acc_y,pelvis_acc_z,pelvis_gyr_x,...,shank_r_quat_w,...

Joint angles::

    time_s,hip_r_deg,knee_r_deg,ankle_r_deg,hip_l_deg,knee_l_deg,ankle_l_deg
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.base import ReadContext, one_file, refuse_orientation_filter
from rl_gait.ingest.formats.table import JointAngleTable, Table, read_table
from rl_gait.ingest.kinematics import Kinematics, angle_table_kinematics, imu_kinematics
from rl_gait.ingest.sensors import (
    G_M_S2,
    ImuRecording,
    ImuSet,
    canonical_segment,
    check_sample_rate,
    place_on_segments,
)
from rl_gait.joints import JOINT_NAMES

_FIX_IMU = "follow the generic IMU CSV layout in rl_gait/ingest/formats/README.md"
_ACC_UNITS = {"m/s^2": 1.0, "m/s2": 1.0, "m/s²": 1.0, "g": G_M_S2}
_GYR_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0, "dps": np.pi / 180.0}
_COL = re.compile(r"^(?:(?P<seg>[a-z_]+?)_)?(?P<q>acc|gyr|mag|quat)_(?P<ax>[wxyz])$")


def _header_value(t: Table, key: str) -> str | None:
    for c in t.comments:
        if c.lower().startswith(key + ":"):
            return c.split(":", 1)[1].strip()
    return None


def is_generic_imu_csv(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(4096).lower()
    return "rl_gait imu csv" in head or bool(re.search(r"(^|[,_])gyr_x", head))


def is_joint_angle_csv(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(4096).lower()
    return bool(re.search(r"(hip|knee|ankle)_[rl]_(deg|rad)", head))


def _sample_rate(t: Table, path: Path, fix: str, override: float | None) -> tuple[float, np.ndarray]:
    n = t.data.shape[0]
    if override is not None:
        fs = check_sample_rate(override, path, "--sample-rate-hz:")
        return fs, np.arange(n) / fs
    if "time_s" in t.columns:
        time = t.col("time_s")
        dt = np.diff(time)
        if not np.all(np.isfinite(time)) or np.any(dt <= 0):
            raise InputFormatError("time_s is not strictly increasing (or has empty fields)", path=path, fix=fix)
        if not dt.size:
            raise InputFormatError("one row: no sample rate from time_s", path=path, fix=fix)
        fs = check_sample_rate(1.0 / float(np.median(dt)), path, "time_s gives a")
        if np.any(np.abs(dt * fs - 1.0) > 0.5):
            raise InputFormatError("time_s has jumps (dropped samples) — the rate is not constant", path=path,
                                   fix="leave missing samples as empty fields on a regular time grid")
        return fs, time - time[0]
    value = _header_value(t, "sample_rate_hz")
    if value is None:
        raise InputFormatError("no time_s column and no '# sample_rate_hz: <Hz>' header line", path=path, fix=fix)
    try:
        fs = float(value)
    except ValueError:
        raise InputFormatError(f"sample_rate_hz {value!r} is not a number", path=path, fix=fix) from None
    fs = check_sample_rate(fs, path, "'# sample_rate_hz:' header:")
    return fs, np.arange(n) / fs


def _units(t: Table, path: Path) -> tuple[float, float]:
    acc_scale, gyr_scale = 1.0, 1.0
    spec = _header_value(t, "units") or ""
    for item in spec.replace(",", " ").split():
        if "=" not in item:
            continue
        k, v = item.split("=", 1)
        table = _ACC_UNITS if k == "acc" else _GYR_UNITS if k == "gyr" else None
        if table is None:
            continue
        if v not in table:
            raise InputFormatError(f"unknown {k} unit {v!r} in '# units:'", path=path,
                                   fix=f"use one of {', '.join(table)}")
        if k == "acc":
            acc_scale = table[v]
        else:
            gyr_scale = table[v]
    return acc_scale, gyr_scale


def read_generic_imu_csv(path: str | Path, *, sensor_map: dict[str, str] | None = None,
                         sample_rate_hz: float | None = None) -> list[ImuRecording]:
    """Read a generic IMU CSV: one wide file (column prefix = segment) or one file per sensor.

    For a per-sensor file (no prefixes) the segment comes from a ``# segment: shank_r`` header line,
    then ``sensor_map`` (keyed by the file stem), then the file name (``..._shank_r.csv``).
    """
    path = Path(path)
    t = read_table(path, comment_prefixes=("#", "//"), fix=_FIX_IMU)
    fs, _ = _sample_rate(t, path, _FIX_IMU, sample_rate_hz)
    acc_scale, gyr_scale = _units(t, path)
    groups: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for c in t.columns:
        m = _COL.match(c.lower())
        if m:
            groups.setdefault(m.group("seg") or "", {}).setdefault(m.group("q"), {})[m.group("ax")] = t.col(c)
    if not groups:
        raise InputFormatError("no <segment>_acc_x / <segment>_gyr_x ... columns", path=path, fix=_FIX_IMU)
    recs = []
    for prefix, q in sorted(groups.items()):
        label = prefix
        if not prefix:
            label = _header_value(t, "segment") or (sensor_map or {}).get(path.stem.upper(), "") or path.stem
        segment = canonical_segment(label)
        if segment is None:
            m = re.search(r"(pelvis|thigh_[rl]|shank_[rl]|foot_[rl])$", label.lower())
            segment = m.group(1) if m else None
        if segment is None:
            raise InputFormatError(f"cannot tell which body segment sensor {label!r} is on", path=path,
                                   fix="prefix columns with the segment (shank_r_gyr_x) or add '# segment: shank_r'")

        def vec(name: str, axes: str = "xyz", q=q, label=label) -> np.ndarray | None:
            if name not in q:
                return None
            missing = [a for a in axes if a not in q[name]]
            if missing:
                raise InputFormatError(f"sensor {label}: {name} is missing axis {', '.join(missing)}",
                                       path=path, fix=_FIX_IMU)
            return np.stack([q[name][a] for a in axes], axis=1)

        acc, gyr, quat = vec("acc"), vec("gyr"), vec("quat", "wxyz")
        if gyr is None and quat is None:
            raise InputFormatError(f"sensor {label}: needs gyr_x/y/z (or quat_w/x/y/z) columns", path=path,
                                   fix=_FIX_IMU)
        if quat is None and acc is None:
            raise InputFormatError(f"sensor {label}: needs acc_x/y/z to estimate orientation", path=path,
                                   fix=_FIX_IMU)
        recs.append(ImuRecording(
            path=path, sensor_id=label, segment=segment, sample_rate_hz=fs,
            acc_m_s2=None if acc is None else acc * acc_scale, gyr_rad_s=None if gyr is None else gyr * gyr_scale,
            mag=vec("mag"), quat_wxyz=quat, sample_rate_source="argument" if sample_rate_hz else "file",
        ))
    return recs


def read_joint_angle_csv(path: str | Path, *, sample_rate_hz: float | None = None) -> JointAngleTable:
    """Read ``time_s,hip_r_deg,knee_r_deg,...`` (``_deg`` or ``_rad`` suffix; clinical signs)."""
    path = Path(path)
    fix = "columns time_s and <joint>_<r|l>_deg (hip, knee, ankle), see rl_gait/ingest/formats/README.md"
    t = read_table(path, comment_prefixes=("#", "//"), fix=fix)
    fs, time = _sample_rate(t, path, fix, sample_rate_hz)
    names, cols = [], []
    for j in JOINT_NAMES:
        for unit, scale in (("deg", np.pi / 180.0), ("rad", 1.0)):
            if f"{j}_{unit}" in t.columns:
                names.append(j)
                cols.append(t.col(f"{j}_{unit}") * scale)
    if not names:
        raise InputFormatError("no joint-angle columns (e.g. knee_r_deg)", path=path, fix=fix)
    return JointAngleTable(path=path, sample_rate_hz=fs, time_s=time, joint_names=tuple(names),
                           angles_rad=np.stack(cols, axis=1))


def write_generic_imu_csv(path: str | Path, sample_rate_hz: float, sensors: dict[str, dict[str, np.ndarray]],
                          *, time_s: np.ndarray | None = None) -> Path:
    """Write a wide generic IMU CSV (see README): ``sensors = {segment: {"acc": [T,3] m/s², "gyr": [T,3]
    rad/s, optional "mag": [T,3], "quat": [T,4] wxyz}}``. Returns the path."""
    path = Path(path)
    cols, data = [], []
    n = None
    for seg, q in sensors.items():
        for name, axes in (("acc", "xyz"), ("gyr", "xyz"), ("mag", "xyz"), ("quat", "wxyz")):
            if name in q:
                arr = np.asarray(q[name], float)
                n = len(arr) if n is None else n
                if arr.shape != (n, len(axes)):
                    raise ValueError(f"{seg} {name}: shape {arr.shape}, expected ({n}, {len(axes)})")
                cols += [f"{seg}_{name}_{a}" for a in axes]
                data.append(arr)
    if n is None:
        raise ValueError("no sensor data")
    t = np.arange(n) / sample_rate_hz if time_s is None else np.asarray(time_s, float)
    table = np.column_stack([t] + data)
    header = f"# rl_gait imu csv v1\n# sample_rate_hz: {sample_rate_hz:g}\n# units: acc=m/s^2 gyr=rad/s\n"
    with open(path, "w") as f:
        f.write(header + ",".join(["time_s"] + cols) + "\n")
        np.savetxt(f, table, delimiter=",", fmt="%.7g")
    return path


def _angles_only(path: Path) -> bool:
    return is_joint_angle_csv(path) and not is_generic_imu_csv(path)


class GenericCsvFormat:
    """``csv``: the generic IMU CSV (wide, or one file per sensor) or the generic joint-angle CSV
    (one file); which one is decided from the columns."""

    name = "csv"
    description = "generic IMU CSV or joint-angle CSV (rl_gait/ingest/formats/README.md)"

    def detect(self, path: Path) -> bool:
        return is_generic_imu_csv(path) or is_joint_angle_csv(path)

    def read(self, files: list[Path], ctx: ReadContext) -> ImuSet | JointAngleTable:
        fs = ctx.options.sample_rate_hz
        if all(_angles_only(f) for f in files):
            refuse_orientation_filter("joint-angle CSV", ctx)
            return read_joint_angle_csv(one_file("joint-angle CSV", files, ctx), sample_rate_hz=fs)
        recs = [r for f in files for r in read_generic_imu_csv(f, sensor_map=ctx.sensor_map, sample_rate_hz=fs)]
        return place_on_segments(recs, [])

    def kinematics(self, data: ImuSet | JointAngleTable, ctx: ReadContext) -> Kinematics:
        if isinstance(data, JointAngleTable):
            return angle_table_kinematics(data, ctx.options)
        return imu_kinematics(data, ctx.options)


GENERIC_CSV = GenericCsvFormat()
