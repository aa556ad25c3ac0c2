"""OpenSim motion files (``.mot`` / ``.sto``): joint coordinates per frame.

Header lines up to ``endheader`` (``inDegrees=yes|no``), then a tab-separated table whose first
column is ``time``. Coordinates used: ``hip_flexion_r``, ``knee_angle_r``, ``ankle_angle_r`` and the
``_l`` ones. ``knee_angle`` is flexion-positive in the Rajagopal (2015) model and flexion-negative in
gait2392; a knee that is mostly negative is therefore flipped and the flip is noted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.base import ReadContext, one_file, refuse_orientation_filter
from rl_gait.ingest.formats.table import JointAngleTable, Table
from rl_gait.ingest.kinematics import Kinematics, angle_table_kinematics
from rl_gait.ingest.sensors import check_sample_rate

_COORDS: dict[str, str] = {
    "hip_flexion_r": "hip_r", "knee_angle_r": "knee_r", "ankle_angle_r": "ankle_r",
    "hip_flexion_l": "hip_l", "knee_angle_l": "knee_l", "ankle_angle_l": "ankle_l",
}
_FIX = "export joint coordinates from OpenSim (hip_flexion_r, knee_angle_r, ankle_angle_r, ... and time)"


def is_mot(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.read(4096)
    return path.suffix.lower() in (".mot", ".sto") or "endheader" in head


def read_mot(path: str | Path, *, sample_rate_hz: float | None = None) -> JointAngleTable:
    """Read the coordinates (radians, clinical signs); ``sample_rate_hz`` replaces the file's time column."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    try:
        end = next(i for i, ln in enumerate(text) if ln.strip().lower() == "endheader")
    except StopIteration:
        raise InputFormatError("no 'endheader' line: not an OpenSim .mot file", path=path, fix=_FIX) from None
    in_degrees = not any(ln.replace(" ", "").lower() == "indegrees=no" for ln in text[:end])
    # the header lines are free text; the table after 'endheader' is parsed directly
    body = text[end + 1:]
    rows = [ln for ln in body if ln.strip()]
    if len(rows) < 2:
        raise InputFormatError("no data after the column header (empty or truncated)", path=path, fix=_FIX)
    cols = tuple(c.strip() for c in rows[0].split("\t" if "\t" in rows[0] else None))
    data = []
    for r, ln in enumerate(rows[1:]):
        fields = ln.split("\t" if "\t" in ln else None)
        if len(fields) != len(cols):
            raise InputFormatError(f"data row {r + 1} has {len(fields)} fields, header has {len(cols)} "
                                   "(truncated file?)", path=path, fix=_FIX)
        try:
            data.append([float(f) for f in fields])
        except ValueError:
            raise InputFormatError(f"data row {r + 1} has a non-numeric field", path=path, fix=_FIX) from None
    t = Table(path=path, comments=(), columns=cols, data=np.asarray(data))
    if "time" not in t.columns:
        raise InputFormatError("no 'time' column", path=path, fix=_FIX)
    time = t.col("time")
    dt = np.diff(time)
    if not np.all(np.isfinite(time)) or np.any(dt <= 0):
        raise InputFormatError("time is not strictly increasing (or not finite)", path=path, fix=_FIX)
    scale = np.pi / 180.0 if in_degrees else 1.0
    names, series, notes = [], [], []
    by_joint = {v: k for k, v in _COORDS.items()}
    for joint in ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"):
        coord = by_joint[joint]
        if coord in t.columns:
            x = t.col(coord) * scale
            if joint.startswith("knee") and np.median(x) < np.deg2rad(-5.0):
                x = -x
                notes.append(f"{coord} is flexion-negative (gait2392 convention): sign flipped")
            names.append(joint)
            series.append(x)
    if not names:
        raise InputFormatError("none of the coordinates hip_flexion_r/l, knee_angle_r/l, ankle_angle_r/l",
                               path=path, fix=_FIX)
    given = sample_rate_hz is not None
    fs = check_sample_rate(sample_rate_hz if given else 1.0 / float(np.median(dt)), path,
                           "--sample-rate-hz:" if given else "the time column's")
    time_s = np.arange(len(time)) / fs if given else time - time[0]
    return JointAngleTable(path=path, sample_rate_hz=fs, time_s=time_s,
                           joint_names=tuple(names), angles_rad=np.stack(series, axis=1), notes=tuple(notes))


class MotFormat:
    """``mot``: one OpenSim ``.mot`` / ``.sto`` motion file."""

    name = "mot"
    description = "OpenSim .mot/.sto (hip_flexion_r, knee_angle_r, ankle_angle_r, _l; inDegrees)"

    def detect(self, path: Path) -> bool:
        return is_mot(path)

    def read(self, files: list[Path], ctx: ReadContext) -> JointAngleTable:
        refuse_orientation_filter(".mot", ctx)
        return read_mot(one_file(".mot", files, ctx), sample_rate_hz=ctx.options.sample_rate_hz)

    def kinematics(self, data: JointAngleTable, ctx: ReadContext) -> Kinematics:
        return angle_table_kinematics(data, ctx.options)


MOT = MotFormat()
