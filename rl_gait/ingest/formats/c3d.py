"""C3D files of optical gait labs (read with ``ezc3d``): model joint angles, else markers.

**Model outputs** (Plug-in Gait and most lab models store them as points): ``LHipAngles``,
``LKneeAngles``, ``LAnkleAngles``, ``R...`` (any ``Subject:`` prefix), degrees; the first component is
the sagittal angle with the clinical signs of :mod:`rl_gait.joints` (hip and knee flexion, ankle
dorsiflexion positive).

**Markers only** (Plug-in Gait lower-body names ``LASI RASI LPSI RPSI`` — or ``SACR`` — and per side
``KNE ANK HEE TOE``): sagittal angles from segment inclinations in the plane of progression, as the
IMU path does (:mod:`rl_gait.ingest.joint_angles`). The hip joint centre is Harrington et al.'s (2007,
J Biomech 40:595) regression in the pelvis frame (x anterior, y superior, z lateral; PW inter-ASIS
width, PD mid-ASIS to mid-PSIS depth): ``x = −0.24 PD − 9.9 mm``, ``y = −0.30 PW − 10.9 mm``,
``z = ±(0.33 PW + 7.3 mm)``; knee and ankle centres are the lateral markers (their sagittal projection),
the foot axis heel → toe. Forward is the pelvis' horizontal anterior direction, up the lab axis along
which the pelvis markers sit highest above the heels. Without a static trial the heel–toe line's
tilt against the sole stays in the ankle angle (a few degrees).

Invalid samples (negative residual or NaN) are missing: runs up to ``--max-gap-s`` are interpolated.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.base import ReadContext, one_file, refuse_orientation_filter
from rl_gait.ingest.formats.table import JointAngleTable
from rl_gait.ingest.kinematics import Kinematics, angle_table_kinematics
from rl_gait.ingest.sensors import check_sample_rate
from rl_gait.joints import JOINT_NAMES

_FIX = ("export model angles (LHipAngles, LKneeAngles, LAnkleAngles, R...) or the Plug-in Gait markers "
        "(LASI, RASI, LPSI, RPSI, LKNE, LANK, LHEE, LTOE, R...)")
_MODEL = {"Hip": "hip", "Knee": "knee", "Ankle": "ankle"}


def is_c3d(path: Path) -> bool:
    """A ``.c3d`` suffix, or the C3D header's first two bytes (parameter block 2, key 0x50)."""
    if path.suffix.lower() == ".c3d":
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"\x02P"


def _points(path: Path) -> tuple[dict[str, np.ndarray], float]:
    """``({label without subject prefix: [T, 3]}, rate Hz)``; invalid samples NaN."""
    import ezc3d

    try:
        c = ezc3d.c3d(str(path))
    except Exception as exc:  # ezc3d raises plain RuntimeError/IOError on a broken file
        raise InputFormatError(f"not a readable C3D file ({exc.__class__.__name__})", path=path, fix=_FIX) from None
    labels = [str(x).split(":")[-1].strip() for x in c["parameters"]["POINT"]["LABELS"]["value"]]
    rate = float(np.ravel(c["parameters"]["POINT"]["RATE"]["value"])[0])
    pts = np.asarray(c["data"]["points"], float)  # [4, P, T]
    res = np.asarray(c["data"]["meta_points"]["residuals"], float) if "meta_points" in c["data"] else None
    out = {}
    for i, name in enumerate(labels):
        xyz = pts[:3, i, :].T.copy()
        if res is not None and res.shape[1:] == pts.shape[1:]:
            xyz[res[0, i] < 0] = np.nan
        out[name] = xyz
    return out, rate


def _model_angles(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for label, xyz in points.items():
        m = re.fullmatch(r"([LR])(Hip|Knee|Ankle)Angles", label)
        if m:
            out[f"{_MODEL[m.group(2)]}_{m.group(1).lower()}"] = np.deg2rad(xyz[:, 0])
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def marker_angles(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``{joint: [T] rad}`` sagittal hip, knee, ankle from Plug-in Gait markers (see the module docstring);
    joints whose markers are absent are left out."""
    have = set(points)
    if not {"LASI", "RASI"} <= have or not ({"LPSI", "RPSI"} <= have or "SACR" in have):
        return {}
    lasi, rasi = points["LASI"], points["RASI"]
    mid_asis = 0.5 * (lasi + rasi)
    mid_psis = 0.5 * (points["LPSI"] + points["RPSI"]) if {"LPSI", "RPSI"} <= have else points["SACR"]
    heels = [points[k] for k in ("LHEE", "RHEE") if k in have]
    axes = np.eye(3)
    height = np.array([np.nanmean(mid_asis @ a) - (np.nanmean(np.concatenate(heels) @ a) if heels else 0.0)
                       for a in axes])
    k = int(np.argmax(np.abs(height)))
    up = axes[k] * np.sign(height[k])
    anterior = mid_asis - mid_psis
    fwd = _unit(anterior - np.outer(anterior @ up, up))
    pw = np.nanmedian(np.linalg.norm(lasi - rasi, axis=1))
    pd = np.nanmedian(np.linalg.norm(anterior, axis=1))
    z_pelvis = _unit(rasi - lasi)  # towards the right
    x_pelvis = _unit(anterior - np.sum(anterior * z_pelvis, axis=1, keepdims=True) * z_pelvis)
    y_pelvis = np.cross(z_pelvis, x_pelvis)
    tilt = np.arctan2(-(mid_asis - mid_psis) @ up, np.sum(anterior * fwd, axis=1))  # anterior tilt positive

    def incl(v: np.ndarray) -> np.ndarray:  # distal end forward positive, 0 = hanging down
        return np.arctan2(np.sum(v * fwd, axis=1), -(v @ up))

    out = {}
    for s, side, sign in (("r", "R", 1.0), ("l", "L", -1.0)):
        knee, ankle = points.get(f"{side}KNE"), points.get(f"{side}ANK")
        if knee is None:
            continue
        hjc = (mid_asis + (-0.24 * pd - 9.9e-3 * _scale(pw)) * x_pelvis
               + (-0.30 * pw - 10.9e-3 * _scale(pw)) * y_pelvis + sign * (0.33 * pw + 7.3e-3 * _scale(pw)) * z_pelvis)
        th_thigh = incl(knee - hjc)
        out[f"hip_{s}"] = th_thigh + tilt
        if ankle is not None:
            th_shank = incl(ankle - knee)
            out[f"knee_{s}"] = th_thigh - th_shank
            heel, toe = points.get(f"{side}HEE"), points.get(f"{side}TOE")
            if heel is not None and toe is not None:
                f = toe - heel
                out[f"ankle_{s}"] = np.arctan2(f @ up, np.sum(f * fwd, axis=1)) - th_shank
    return out


def _scale(pelvic_width: float) -> float:
    """1000 when the points are in mm (an inter-ASIS width of 150–400), 1 when in metres."""
    return 1000.0 if pelvic_width > 10.0 else 1.0


def read_c3d(path: str | Path, *, sample_rate_hz: float | None = None) -> JointAngleTable:
    """Joint angles of a C3D file: model outputs when present, else from markers (module docstring)."""
    path = Path(path)
    points, rate = _points(path)
    angles, notes = _model_angles(points), []
    if angles:
        notes.append("joint angles: the file's model outputs (<side>HipAngles/KneeAngles/AnkleAngles, first component)")
    else:
        angles = marker_angles(points)
        if angles:
            notes.append("joint angles from Plug-in Gait markers (Harrington 2007 hip centre, no static trial)")
    if not angles:
        raise InputFormatError("no model joint angles and no Plug-in Gait markers (LASI, RASI, LPSI/RPSI or SACR, "
                               "LKNE, LANK, ...)", path=path, fix=_FIX)
    given = sample_rate_hz is not None
    fs = check_sample_rate(sample_rate_hz if given else rate, path, "--sample-rate-hz:" if given else "the point")
    names = tuple(j for j in JOINT_NAMES if j in angles)
    data = np.stack([angles[j] for j in names], axis=1)
    return JointAngleTable(path=path, sample_rate_hz=fs, time_s=np.arange(len(data)) / fs, joint_names=names,
                           angles_rad=data, notes=tuple(notes))


class C3dFormat:
    """``c3d``: one C3D file of an optical gait lab (model angles or markers)."""

    name = "c3d"
    description = "C3D (optical lab): model joint angles (LKneeAngles, ...) or Plug-in Gait markers"

    def detect(self, path: Path) -> bool:
        return is_c3d(path)

    def read(self, files: list[Path], ctx: ReadContext) -> JointAngleTable:
        refuse_orientation_filter("C3D", ctx)
        return read_c3d(one_file("C3D", files, ctx), sample_rate_hz=ctx.options.sample_rate_hz)

    def kinematics(self, data: JointAngleTable, ctx: ReadContext) -> Kinematics:
        return angle_table_kinematics(data, ctx.options)


C3D = C3dFormat()
