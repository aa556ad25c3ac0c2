"""A strict reader for the delimited text tables every wearable exports (comment header + columns), and
the joint-angle table that angle formats (CSV, .mot, C3D) produce."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError


@dataclass(frozen=True)
class Table:
    """A numeric table: ``comments`` (header lines without their prefix), ``columns``, ``data [N, C]``.

    Empty fields are NaN (dropped data); a column that is empty in every row is kept as all-NaN.
    """

    path: Path
    comments: tuple[str, ...]
    columns: tuple[str, ...]
    data: np.ndarray

    def col(self, name: str) -> np.ndarray:
        return self.data[:, self.columns.index(name)]

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)


def read_table(path: str | Path, *, comment_prefixes: tuple[str, ...] = ("//", "#"),
               delimiter: str | None = None, fix: str = "re-export the file") -> Table:
    """Read a delimited table; ``delimiter=None`` picks tab, comma or semicolon from the header row.

    Raises :class:`InputFormatError` (one line) for an empty file, a missing header, a non-numeric
    field, or a row with a different number of fields (a truncated file).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", path=path, fix="pass the files inside it") from None
    lines = text.splitlines()
    comments: list[str] = []
    i = 0
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith(comment_prefixes)):
        s = lines[i].strip()
        for p in comment_prefixes:
            if s.startswith(p):
                s = s[len(p):].strip()
                break
        if s:
            comments.append(s)
        i += 1
    if i >= len(lines):
        raise InputFormatError("empty file (no column header and no data)", path=path, fix=fix)
    header = lines[i]
    if delimiter is None:
        delimiter = max(("\t", ",", ";"), key=header.count)
    columns = tuple(c.strip() for c in header.split(delimiter))
    body = [ln for ln in lines[i + 1:] if ln.strip()]
    if not body:
        raise InputFormatError("the file has a header but no data rows (empty or truncated)", path=path, fix=fix)
    n_col = len(columns)
    data = np.empty((len(body), n_col))
    for r, ln in enumerate(body):
        fields = ln.rstrip("\r\n").split(delimiter)
        if len(fields) != n_col:
            raise InputFormatError(
                f"data row {r + 1} has {len(fields)} fields but the header has {n_col} (truncated file?)",
                path=path, fix=f"{fix}, or delete the incomplete row",
            )
        try:
            data[r] = [float(f) if f.strip() else np.nan for f in fields]
        except ValueError:
            raise InputFormatError(f"data row {r + 1} has a non-numeric field", path=path, fix=fix) from None
    return Table(path=path, comments=tuple(comments), columns=columns, data=data)


@dataclass(frozen=True)
class JointAngleTable:
    """Joint angles read from a file: ``time_s [T]``, ``joint_names``, ``angles_rad [T, J]``."""

    path: Path
    sample_rate_hz: float
    time_s: np.ndarray
    joint_names: tuple[str, ...]
    angles_rad: np.ndarray
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from rl_gait.ingest.sensors import check_sample_rate, check_samples

        check_sample_rate(self.sample_rate_hz, self.path)
        check_samples(len(self.time_s), self.sample_rate_hz, self.path)
        check_angle_units(self.angles_rad, self.joint_names, self.path)


MAX_ABS_ANGLE_RAD = 2 * np.pi
"""No sagittal joint angle reaches a full turn: more is degrees read as radians (or a scale error)."""
MIN_ANGLE_RANGE_RAD = np.deg2rad(3.0)
"""Walking moves at least one joint by more than 3°: less, over every joint, is radians read as degrees (or a
recording without walking)."""


def check_angle_units(angles_rad: np.ndarray, joint_names: tuple[str, ...], path: Path) -> None:
    """Refuse joint angles ``[T, J]`` (rad) whose size says the units are wrong (:data:`MAX_ABS_ANGLE_RAD`,
    :data:`MIN_ANGLE_RANGE_RAD`), in one line naming the joint. NaN samples are left to the gap check."""
    from rl_gait.errors import DataQualityError

    fix = "label degree columns _deg and radian ones _rad (.mot: inDegrees=yes|no), or re-export in degrees"
    a = np.asarray(angles_rad, dtype=float)
    finite = np.isfinite(a)
    ranges = []
    for j, name in enumerate(joint_names):
        x = a[finite[:, j], j]
        if x.size == 0:
            continue
        peak = float(np.max(np.abs(x)))
        if peak > MAX_ABS_ANGLE_RAD:
            raise DataQualityError(f"{name} reaches {np.degrees(peak):.0f}° (more than a full turn): wrong units",
                                   path=path, fix=fix)
        ranges.append(float(np.ptp(x)))
    if ranges and max(ranges) < MIN_ANGLE_RANGE_RAD:
        raise DataQualityError(f"no joint moves more than {np.degrees(max(ranges)):.2f}° (radians read as degrees, "
                               "or no walking)", path=path, fix=fix)
